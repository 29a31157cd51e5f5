/// A sender account's transaction counter: the nth transaction from an account carries nonce n.
public struct Nonce: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    public let value: UInt64

    public init(_ value: UInt64) {
        self.value = value
    }

    /// Parses a quantity ("0x…") or decimal nonce; must fit in a UInt64.
    public init(parsing text: some StringProtocol) throws(QuantityError) {
        value = try Quantity.parseUInt64(text)
    }

    /// The nonce of the sender's following transaction.
    public var next: Nonce { Nonce(value + 1) }

    public static func < (lhs: Nonce, rhs: Nonce) -> Bool { lhs.value < rhs.value }

    /// Plain decimal digits, which `init(parsing:)` reads back.
    public var description: String { String(value) }

    public init(from decoder: any Decoder) throws {
        value = try QuantityCoding.decodeUInt64(from: decoder, typeName: "Nonce")
    }

    public func encode(to encoder: any Encoder) throws {
        try QuantityCoding.encode(Quantity.encode(value), to: encoder)
    }
}
