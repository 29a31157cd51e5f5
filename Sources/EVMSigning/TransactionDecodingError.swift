import EVMPrimitives

/// Why raw bytes are not a valid signed transaction.
public struct TransactionDecodingError: Error, CustomStringConvertible, Equatable, Sendable {
    /// Which check failed.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let description: String
        public static let empty = Code(description: "empty")
        /// A type byte other than legacy or 0x02.
        public static let unsupportedType = Code(description: "unsupportedType")
        /// Not one canonical RLP item, or the wrong shape.
        public static let malformed = Code(description: "malformed")
        /// A field has the wrong size or a non-canonical integer.
        public static let invalidField = Code(description: "invalidField")
        /// s above n/2 (EIP-2): malleable, so rejected.
        public static let highS = Code(description: "highS")
        /// r, s, v or yParity out of range, or no public key recovers.
        public static let invalidSignature = Code(description: "invalidSignature")
    }

    public let code: Code
    public let description: String

    static let empty = Self(code: .empty, description: "raw transaction is empty")

    static func unsupportedType(_ byte: UInt8) -> Self {
        Self(code: .unsupportedType, description: "transaction type 0x\(String(byte, radix: 16)) is not supported; only legacy and type 0x2 (EIP-1559) are")
    }

    static func malformed(_ detail: String) -> Self {
        Self(code: .malformed, description: "raw transaction is malformed: \(detail)")
    }

    static func field(_ name: String, _ problem: String) -> Self {
        Self(code: .invalidField, description: "field \"\(name)\": \(problem)")
    }

    static func field(_ name: String, _ error: RLPError) -> Self {
        field(name, error.description)
    }

    static let highS = Self(
        code: .highS,
        description: "signature s is above n/2; EIP-2 requires the low-s form, so nodes reject this transaction"
    )

    static func invalidSignature(_ detail: String) -> Self {
        Self(code: .invalidSignature, description: "invalid signature: \(detail)")
    }
}
