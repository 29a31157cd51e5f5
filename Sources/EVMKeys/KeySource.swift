import EVMSigning
import Foundation

/// Where the signer's private key comes from. Its description names the path or variable only.
///
/// ```swift
/// let key = try KeySource.keystore(path: "/run/secrets/key.json", passwordFile: "/run/secrets/pw").load()
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

    /// Reads and checks the key. Files are refused if world-writable (see `SecretFile`).
    public func load() throws(KeyLoadError) -> PrivateKey {
        try load(environment: ProcessInfo.processInfo.environment)
    }

    /// `load()` against the given environment, so tests need not change the process's own.
    func load(environment: [String: String]) throws(KeyLoadError) -> PrivateKey {
        switch self {
        case .hexFile(let path):
            let text = try SecretFile.contents(of: path, role: "key file")
            return try KeyText.privateKey(from: text, origin: "key file \(path)")
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
            return try KeyText.privateKey(from: Array(value.utf8), origin: "environment variable \(variable)")
        case .keystore(let path, let passwordFile):
            let json = try SecretFile.contents(of: path, role: "keystore file")
            let password = Self.stripOneNewline(try SecretFile.contents(of: passwordFile, role: "password file"))
            do {
                return try Keystore.decrypt(json: json, password: password)
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
