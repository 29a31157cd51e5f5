import Crypto
import Foundation

/// 256 random bits, as a browser carries them (base64url, no padding): a session token or a
/// CSRF token. Never logged: `description` hides it.
public struct SecretToken: Sendable, CustomStringConvertible {
    /// The base64url text sent in a cookie or a form.
    public let text: String

    /// A fresh token from the system's cryptographic generator.
    public static func random() -> SecretToken {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return SecretToken(text: Self.base64URL(bytes))
    }

    /// A token as received; nil unless it has the exact shape of one this service issues, so
    /// that nothing else reaches a lookup.
    public init?(received text: String) {
        guard text.utf8.count == 43, text.utf8.allSatisfy(Self.isBase64URL) else { return nil }
        self.text = text
    }

    private init(text: String) {
        self.text = text
    }

    /// What the server keeps of a session token: its SHA-256, so that a dump of the sessions
    /// holds nothing a browser could present.
    public var digest: TokenDigest {
        TokenDigest(bytes: Array(SHA256.hash(data: Array(text.utf8))))
    }

    public var description: String { "SecretToken(…)" }

    /// Whether `other` is this token, in time that depends only on the lengths.
    public func matches(_ other: String) -> Bool {
        ConstantTime.equal(Array(text.utf8), Array(other.utf8))
    }

    private static func base64URL(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    private static func isBase64URL(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
            || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_")
    }
}

/// The SHA-256 of a session token: the key sessions are stored under.
public struct TokenDigest: Hashable, Sendable, CustomStringConvertible {
    public let bytes: [UInt8]

    public init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    public var description: String { "TokenDigest(…)" }
}

enum ConstantTime {
    /// Compares every byte whatever the first difference; only a length mismatch returns early
    /// (the tokens compared have a public, fixed length).
    static func equal(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in a.indices {
            difference |= a[index] ^ b[index]
        }
        return difference == 0
    }
}
