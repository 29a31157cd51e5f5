import EVMPrimitives
import EVMSigning

/// The plain-text key format shared by key files and environment variables:
/// 64 hex characters, optionally "0x"-prefixed, with surrounding whitespace and newlines ignored.
enum KeyText {
    /// Parses `bytes` as a key; `origin` ("key file /run/key") names the source in errors.
    static func privateKey(from bytes: [UInt8], origin: String) throws(KeyLoadError) -> PrivateKey {
        let expected = "expected 64 hex characters (32 bytes), optionally 0x-prefixed"
        var text = bytes[...]
        while let first = text.first, isWhitespace(first) { text.removeFirst() }
        while let last = text.last, isWhitespace(last) { text.removeLast() }
        if text.starts(with: Array("0x".utf8)) || text.starts(with: Array("0X".utf8)) {
            text.removeFirst(2)
        }

        // Errors give lengths and kinds of fault only, never characters of the key.
        guard !text.isEmpty else { throw KeyLoadError(.malformedKey, "\(origin) is empty: \(expected)") }
        guard text.allSatisfy(isHexDigit) else {
            throw KeyLoadError(.malformedKey, "\(origin) is not hex: \(expected)")
        }
        guard text.count == 64 else {
            throw KeyLoadError(.malformedKey, "\(origin) has \(text.count) hex characters: \(expected)")
        }
        let keyBytes: [UInt8]
        do {
            keyBytes = try Hex.decode(String(decoding: text, as: UTF8.self), requirePrefix: false)
        } catch {
            throw KeyLoadError(.malformedKey, "\(origin) is not hex: \(expected)")
        }
        return try validKey(keyBytes, origin: origin)
    }

    /// Wraps the signing layer's check (non-zero, below the curve order) in a key-loading error.
    static func validKey(_ bytes: [UInt8], origin: String) throws(KeyLoadError) -> PrivateKey {
        do {
            return try PrivateKey(bytes: bytes)
        } catch {
            throw KeyLoadError(.invalidKey, "\(origin) is not a valid secp256k1 private key: \(error)")
        }
    }

    private static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\n")
            || byte == UInt8(ascii: "\r")
    }

    private static func isHexDigit(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "f"),
            UInt8(ascii: "A")...UInt8(ascii: "F"):
            true
        default:
            false
        }
    }
}
