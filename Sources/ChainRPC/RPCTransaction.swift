import EVMPrimitives

/// A transaction as `eth_getTransactionByHash` returns it, pending or mined.
public struct RPCTransaction: Sendable, Hashable, Decodable {
    public let hash: TxHash
    public let from: Address
    /// Nil for a contract creation.
    public let to: Address?
    public let nonce: Nonce
    public let value: Wei
    public let input: Calldata
    /// The gas limit.
    public let gas: Gas
    /// 0 legacy, 1 EIP-2930, 2 EIP-1559, …; nil from nodes that omit it.
    public let type: UInt64?
    public let gasPrice: Wei?
    public let maxFeePerGas: Wei?
    public let maxPriorityFeePerGas: Wei?
    public let chainID: ChainID?
    /// Nil while the transaction is pending.
    public let blockNumber: BlockNumber?
    /// Nil while the transaction is pending.
    public let blockHash: BlockHash?
    /// Nil while the transaction is pending.
    public let transactionIndex: UInt64?

    /// Whether the transaction is in a block.
    public var isMined: Bool { blockHash != nil }

    private enum CodingKeys: String, CodingKey {
        case hash, from, to, nonce, value, input, gas, type, gasPrice, maxFeePerGas, maxPriorityFeePerGas
        case chainID = "chainId"
        case blockNumber, blockHash, transactionIndex
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        hash = try container.decode(TxHash.self, forKey: .hash)
        from = try container.decode(Address.self, forKey: .from)
        to = try container.decodeIfPresent(Address.self, forKey: .to)
        nonce = try container.decode(Nonce.self, forKey: .nonce)
        value = try container.decode(Wei.self, forKey: .value)
        input = try container.decode(Calldata.self, forKey: .input)
        gas = try container.decode(Gas.self, forKey: .gas)
        type = try container.decodeNilOrAbsent(forKey: .type) ? nil : container.decodeQuantity(forKey: .type)
        gasPrice = try container.decodeIfPresent(Wei.self, forKey: .gasPrice)
        maxFeePerGas = try container.decodeIfPresent(Wei.self, forKey: .maxFeePerGas)
        maxPriorityFeePerGas = try container.decodeIfPresent(Wei.self, forKey: .maxPriorityFeePerGas)
        chainID = try container.decodeIfPresent(ChainID.self, forKey: .chainID)
        blockNumber = try container.decodeIfPresent(BlockNumber.self, forKey: .blockNumber)
        blockHash = try container.decodeIfPresent(BlockHash.self, forKey: .blockHash)
        transactionIndex =
            try container.decodeNilOrAbsent(forKey: .transactionIndex)
            ? nil : container.decodeQuantity(forKey: .transactionIndex)
    }
}

extension KeyedDecodingContainer {
    /// True when the key is missing or its value is `null`.
    func decodeNilOrAbsent(forKey key: Key) throws -> Bool {
        try !contains(key) || decodeNil(forKey: key)
    }
}
