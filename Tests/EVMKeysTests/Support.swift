import Foundation
import Testing

/// Fixture keystores (see Fixtures/make_fixtures.py) and throwaway files for the tests.
enum Fixture {
    /// The key of both official Web3 Secret Storage vectors, and its address.
    static let officialKeyHex = "7a28b5ba57c53603b0b07b56bba752f7784bf506fa95edc395f5cf6c7514fe9d"
    static let officialAddress = "0x008AeEda4D805471dF9b2A5B0f38A0C3bCBA786b"
    static let officialPassword = "testpassword"
    /// The key inside the eth-account fixtures (test-only), its address and password.
    static let generatedKeyHex = "4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318"
    static let generatedAddress = "0x2c7536E3605D9C16a7a3D7b1898e529396a65c23"
    static let generatedPassword = "correct horse"

    static func text(_ name: String) throws -> String {
        let url = try #require(
            Bundle.module.url(forResource: name, withExtension: "json", subdirectory: "Fixtures"),
            "missing fixture \(name).json"
        )
        return try String(contentsOf: url, encoding: .utf8)
    }

    /// The fixture with `original` replaced by `replacement`; fails if `original` is absent.
    static func edited(_ name: String, replacing original: String, with replacement: String) throws -> [UInt8] {
        try edited(name, [(original, replacement)])
    }

    /// The fixture with each `(original, replacement)` applied in turn.
    static func edited(_ name: String, _ replacements: [(String, String)]) throws -> [UInt8] {
        var text = try text(name)
        for (original, replacement) in replacements {
            try #require(text.contains(original), "\(name).json has no \(original)")
            text = text.replacingOccurrences(of: original, with: replacement)
        }
        return Array(text.utf8)
    }
}

/// A fresh directory under the system temporary directory, removed when the test ends.
final class TemporaryDirectory {
    let path: String

    init() throws {
        path = NSTemporaryDirectory() + "EVMKeysTests-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    /// Writes `contents` to `name` with the given permissions and returns its path.
    func file(_ name: String, _ contents: String, mode: Int = 0o600) throws -> String {
        let filePath = path + "/" + name
        try #require(FileManager.default.createFile(atPath: filePath, contents: Data(contents.utf8)))
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: filePath)
        return filePath
    }
}
