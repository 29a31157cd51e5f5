/// The EIP-155 chain identifier a transaction is signed for, so it cannot be replayed on another chain.
public struct ChainID: Hashable, Sendable, Codable, CustomStringConvertible {
    public let value: UInt64

    public init(_ value: UInt64) {
        self.value = value
    }

    /// Parses a quantity ("0x…") or decimal chain id; must fit in a UInt64.
    public init(parsing text: some StringProtocol) throws(QuantityError) {
        value = try Quantity.parseUInt64(text)
    }

    /// Plain decimal digits, which `init(parsing:)` reads back.
    public var description: String { String(value) }

    public init(from decoder: any Decoder) throws {
        value = try QuantityCoding.decodeUInt64(from: decoder, typeName: "ChainID")
    }

    public func encode(to encoder: any Encoder) throws {
        try QuantityCoding.encode(Quantity.encode(value), to: encoder)
    }
}
