/// Why bytes or text could not become a `PrivateKey`. Never carries key material.
public struct KeyError: Error, CustomStringConvertible, Equatable, Sendable {
    /// Which rule the candidate key broke.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let description: String
        /// The key is not exactly 32 bytes (64 hex digits).
        public static let wrongLength = Code(description: "wrongLength")
        /// The text is not hexadecimal.
        public static let notHex = Code(description: "notHex")
        /// The key is 0 or not below the secp256k1 group order n.
        public static let outOfRange = Code(description: "outOfRange")
    }

    public let code: Code
    public let description: String

    static func wrongLength(_ count: Int, unit: String) -> KeyError {
        KeyError(code: .wrongLength, description: "private key must be 32 bytes (64 hex digits), got \(count) \(unit)")
    }

    static let notHex = KeyError(
        code: .notHex,
        description: "private key is not hexadecimal: expected 64 hex digits, optionally prefixed with 0x"
    )

    static let outOfRange = KeyError(
        code: .outOfRange,
        description: "private key is not a valid secp256k1 key: it must be between 1 and n-1 (the curve order)"
    )
}
