import EVMPrimitives

/// Which block a state query reads: a named block or a height.
public enum BlockTag: Hashable, Sendable, CustomStringConvertible {
    case latest
    /// The latest block plus the node's pending transactions (for the next nonce to use).
    case pending
    case earliest
    case safe
    case finalized
    case number(BlockNumber)

    /// The JSON-RPC parameter: "latest", …, or a quantity.
    public var description: String {
        switch self {
        case .latest: "latest"
        case .pending: "pending"
        case .earliest: "earliest"
        case .safe: "safe"
        case .finalized: "finalized"
        case .number(let number): Quantity.encode(number.value)
        }
    }

    var jsonValue: JSONValue { .string(description) }
}
