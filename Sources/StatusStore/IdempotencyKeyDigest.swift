import Crypto

/// How an `Idempotency-Key` is stored: a SHA-256 of the caller's name and the key, never the key
/// itself. One function for the API that claims keys and the dashboard that searches by them.
public enum IdempotencyKeyDigest {
    /// Whether `text` may be an `Idempotency-Key`: 1-255 visible ASCII characters.
    public static func isKey(_ text: String) -> Bool {
        (1...255).contains(text.utf8.count) && text.utf8.allSatisfy { (0x21...0x7E).contains($0) }
    }

    /// The digest of `key` as presented by `caller` (the API's caller name: the hex SHA-256 of
    /// its API key, or "open" when the API needs none).
    public static func digest(caller: String, key: String) -> [UInt8] {
        var material = Array("broadcaster.idempotency\u{0}".utf8)
        material += Array(caller.utf8) + [0] + Array(key.utf8)
        return Array(SHA256.hash(data: material))
    }
}
