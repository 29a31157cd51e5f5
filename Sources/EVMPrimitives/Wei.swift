import BigInt

/// An amount of ether in wei, the unit every transaction field uses; always below 2^256.
public struct Wei: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    /// The amount in wei.
    public let value: BigUInt

    /// Zero wei.
    public static let zero = Wei(0)

    /// `value` wei, or nil if it does not fit the EVM's 256 bits.
    public init?(exactly value: BigUInt) {
        guard value.bitWidth <= 256 else { return nil }
        self.value = value
    }

    /// `value` wei.
    public init(_ value: UInt64) {
        self.value = BigUInt(value)
    }

    /// Parses a quantity ("0x…") or decimal amount of wei.
    public init(parsing text: some StringProtocol) throws(QuantityError) {
        value = try Quantity.parse(text)
    }

    /// `amount` gwei (10^9 wei), the unit fees are usually quoted in.
    public static func gwei(_ amount: UInt64) -> Wei {
        Wei(value: BigUInt(amount) * 1_000_000_000)
    }

    private init(value: BigUInt) {
        self.value = value
    }

    public static func < (lhs: Wei, rhs: Wei) -> Bool { lhs.value < rhs.value }

    /// The amount as plain decimal digits (no unit), which `init(parsing:)` reads back.
    public var description: String { String(value) }

    public init(from decoder: any Decoder) throws {
        value = try QuantityCoding.decodeBigUInt(from: decoder, typeName: "Wei")
    }

    public func encode(to encoder: any Encoder) throws {
        try QuantityCoding.encode(Quantity.encode(value), to: encoder)
    }
}
