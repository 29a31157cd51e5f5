/// An amount of gas (a limit or a quantity used), the EVM's unit of computation.
public struct Gas: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    public let value: UInt64

    public init(_ value: UInt64) {
        self.value = value
    }

    /// Parses a quantity ("0x…") or decimal gas amount; must fit in a UInt64.
    public init(parsing text: some StringProtocol) throws(QuantityError) {
        value = try Quantity.parseUInt64(text)
    }

    public static func < (lhs: Gas, rhs: Gas) -> Bool { lhs.value < rhs.value }

    /// Plain decimal digits, which `init(parsing:)` reads back.
    public var description: String { String(value) }

    public init(from decoder: any Decoder) throws {
        value = try QuantityCoding.decodeUInt64(from: decoder, typeName: "Gas")
    }

    public func encode(to encoder: any Encoder) throws {
        try QuantityCoding.encode(Quantity.encode(value), to: encoder)
    }
}
