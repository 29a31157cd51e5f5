import EVMSigning
import Foundation
import Logging

/// Where the signer's private key comes from. Its description names the path or variable only.
///
/// ```swift
/// let key = try KeySource.keystore(path: "/run/secrets/key.json", passwordFile: "/run/secrets/pw").load(logger: logger)
/// ```
public enum KeySource: Sendable, Equatable, CustomStringConvertible {
    /// A file holding 64 hex characters, optionally "0x"-prefixed; surrounding whitespace is ignored.
    case hexFile(path: String)
    /// An environment variable holding the key in the same format as `hexFile`.
    case environment(variable: String)
    /// A Web3 Secret Storage v3 keystore and a file holding its password. The password is the
    /// file's bytes with one trailing newline ("\n" or "\r\n") removed, so `echo pw > file` works;
    /// any other whitespace is part of the password.
    case keystore(path: String, passwordFile: String)

    /// Reads and checks the key, logging each warning (a key file others can read) at warning
    /// level. Files are refused if world-writable or not regular files (see `SecretFile`).
    public func load(logger: Logger = Logger(label: "broadcaster.keys")) throws(KeyLoadError) -> PrivateKey {
        let loaded = try loadReportingWarnings()
        for warning in loaded.warnings {
            logger.warning("\(warning)", metadata: ["key_source": "\(self)", "path": "\(warning.path)"])
        }
        return loaded.key
    }

    /// Reads and checks the key, and returns the warnings for the caller to report.
    public func loadReportingWarnings() throws(KeyLoadError) -> LoadedKey {
        try loadReportingWarnings(environment: ProcessInfo.processInfo.environment)
    }

    /// `loadReportingWarnings()` against the given environment, so tests need not change the process's own.
    func loadReportingWarnings(environment: [String: String]) throws(KeyLoadError) -> LoadedKey {
        switch self {
        case .hexFile(let path):
            let file = try SecretFile.contents(of: path, role: "key file")
            return LoadedKey(key: try KeyText.privateKey(from: file.bytes, origin: "key file \(path)"), warnings: file.warnings)
        case .environment(let variable):
            guard let value = environment[variable] else {
                throw KeyLoadError(
                    .missingVariable,
                    "environment variable \(variable) is not set; set it to the private key (64 hex characters, optionally 0x-prefixed)"
                )
            }
            guard !value.isEmpty else {
                throw KeyLoadError(
                    .missingVariable,
                    "environment variable \(variable) is empty; set it to the private key (64 hex characters, optionally 0x-prefixed)"
                )
            }
            let key = try KeyText.privateKey(from: Array(value.utf8), origin: "environment variable \(variable)")
            return LoadedKey(key: key, warnings: [])
        case .keystore(let path, let passwordFile):
            let json = try SecretFile.contents(of: path, role: "keystore file")
            let password = try SecretFile.contents(of: passwordFile, role: "password file")
            do {
                let key = try Keystore.decrypt(json: json.bytes, password: Self.stripOneNewline(password.bytes))
                return LoadedKey(key: key, warnings: json.warnings + password.warnings)
            } catch {
                throw error.prefixed(by: "keystore \(path)")
            }
        }
    }

    public var description: String {
        switch self {
        case .hexFile(let path): "key file \(path)"
        case .environment(let variable): "environment variable \(variable)"
        case .keystore(let path, let passwordFile): "keystore \(path) (password file \(passwordFile))"
        }
    }

    private static func stripOneNewline(_ bytes: [UInt8]) -> [UInt8] {
        var bytes = bytes
        if bytes.last == UInt8(ascii: "\n") {
            bytes.removeLast()
            if bytes.last == UInt8(ascii: "\r") { bytes.removeLast() }
        }
        return bytes
    }
}
