import Configuration
import Foundation
import EVMKeys
import EVMPrimitives

/// Reads the `signers` node: named key sources. Keys come only from files or the environment.
///
/// ## Configuration keys
/// - `names` (list of names, default empty): each name is lowercase letters, digits and `_`.
/// - `<name>.keyFile` (path): a file holding the 64-hex private key.
/// - `<name>.keyEnv` (variable name): an environment variable holding the key.
/// - `<name>.keystore` (path) with `<name>.passwordFile` (path): a Web3 v3 keystore and its password file.
/// - `<name>.address` (address, required): the key's address. The API sends it as the sender
///   without ever loading the key; a worker refuses to start if its key has another address.
///
/// Exactly one of `keyFile`, `keyEnv`, `keystore` per signer.
enum SignerSettings {
    static func read(reader: ConfigReader, paths: ConfigPaths) throws(ConfigurationError) -> (keys: [String: KeySource], addresses: [String: Address]) {
        let names = try ConfigName.list(SettingsReader(reader), key: "names")
        var keys: [String: KeySource] = [:]
        var addresses: [String: Address] = [:]
        for name in names {
            try scoped(name) { () throws(ConfigurationError) in
                let settings = SettingsReader(reader.scoped(to: ConfigKey([name])))
                keys[name] = try keySource(settings) { path, key in paths.resolve(path, key: ["signers", name, key]) }
                addresses[name] = try address(settings)
            }
        }
        return (keys, addresses)
    }

    private static func address(_ settings: SettingsReader) throws(ConfigurationError) -> Address {
        guard let text = try settings.string("address"), !text.isEmpty else {
            throw ConfigurationError(key: ["address"], reason: "missing; give the signer's 0x-prefixed address (the API never loads keys, so it must be configured)")
        }
        do {
            return try Address(text)
        } catch {
            throw ConfigurationError(key: ["address"], reason: "\"\(text)\": \(error)")
        }
    }

    private static func keySource(
        _ settings: SettingsReader, resolve: (String, String) -> String
    ) throws(ConfigurationError) -> KeySource {
        let file = try settings.string("keyFile")
        let variable = try settings.string("keyEnv")
        let keystore = try settings.string("keystore")
        let password = try settings.string("passwordFile")
        switch (file, variable, keystore) {
        case (let path?, nil, nil) where !path.isEmpty:
            return .hexFile(path: resolve(path, "keyFile"))
        case (nil, let name?, nil) where !name.isEmpty:
            return .environment(variable: name)
        case (nil, nil, let path?) where !path.isEmpty:
            guard let password, !password.isEmpty else {
                throw ConfigurationError(key: ["passwordFile"], reason: "a keystore needs the path of a file holding its password")
            }
            return .keystore(path: resolve(path, "keystore"), passwordFile: resolve(password, "passwordFile"))
        case (nil, nil, nil):
            throw ConfigurationError(key: [], reason: "no key source; set one of keyFile (a key file path), keyEnv (an environment variable name) or keystore + passwordFile")
        default:
            throw ConfigurationError(key: [], reason: "give exactly one non-empty key source: keyFile, keyEnv or keystore (+ passwordFile)")
        }
    }
}

/// Names that become configuration key components (signers, message types).
enum ConfigName {
    /// Reads a list of names, each lowercase letters, digits and `_`, starting with a letter,
    /// so that its environment variable spelling is unambiguous.
    static func list(_ settings: SettingsReader, key: String) throws(ConfigurationError) -> [String] {
        let names = try settings.stringArray(key, default: []).map { $0.trimmingCharacters(in: .whitespaces) }
        var seen: Set<String> = []
        for name in names {
            let valid = name.first.map { $0.isASCII && $0.isLowercase } == true
                && name.allSatisfy { $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "_") }
            guard valid, name != key else {
                throw ConfigurationError(key: [key], reason: "\"\(name)\" is not a usable name; use lowercase letters, digits and _, starting with a letter (and not \"\(key)\")")
            }
            guard seen.insert(name).inserted else {
                throw ConfigurationError(key: [key], reason: "\"\(name)\" is listed twice; list each name once")
            }
        }
        return names
    }
}
