import EVMPrimitives

/// A transaction-shaped call for `eth_estimateGas` (and `eth_call`); absent fields are left to the node.
public struct CallRequest: Sendable, Hashable {
    public var from: Address?
    /// Nil for a contract creation.
    public var to: Address?
    public var gas: Gas?
    public var maxFeePerGas: Wei?
    public var maxPriorityFeePerGas: Wei?
    public var value: Wei?
    public var input: Calldata?

    public init(
        from: Address? = nil, to: Address? = nil, gas: Gas? = nil, maxFeePerGas: Wei? = nil,
        maxPriorityFeePerGas: Wei? = nil, value: Wei? = nil, input: Calldata? = nil
    ) {
        self.from = from
        self.to = to
        self.gas = gas
        self.maxFeePerGas = maxFeePerGas
        self.maxPriorityFeePerGas = maxPriorityFeePerGas
        self.value = value
        self.input = input
    }

    /// The JSON object nodes expect. Calldata goes out as "data", the name every client
    /// accepts (geth also takes "input", older nodes only "data").
    var jsonValue: JSONValue {
        var members: [String: JSONValue] = [:]
        if let from { members["from"] = .string(from.checksummed) }
        if let to { members["to"] = .string(to.checksummed) }
        if let gas { members["gas"] = .string(Quantity.encode(gas.value)) }
        if let maxFeePerGas { members["maxFeePerGas"] = .string(Quantity.encode(maxFeePerGas.value)) }
        if let maxPriorityFeePerGas {
            members["maxPriorityFeePerGas"] = .string(Quantity.encode(maxPriorityFeePerGas.value))
        }
        if let value { members["value"] = .string(Quantity.encode(value.value)) }
        if let input { members["data"] = .string(Hex.encode(input.bytes)) }
        return .object(members)
    }
}
