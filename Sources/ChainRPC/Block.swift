import EVMPrimitives

/// A block header with its transaction hashes, from `eth_getBlockByNumber(tag, false)`.
public struct Block: Sendable, Hashable, Decodable {
    public let number: BlockNumber
    public let hash: BlockHash
    public let parentHash: BlockHash
    /// Seconds since the Unix epoch.
    public let timestamp: UInt64
    public let gasLimit: Gas
    public let gasUsed: Gas
    /// Nil before London (EIP-1559).
    public let baseFeePerGas: Wei?
    /// The fee recipient; nil from nodes that omit it.
    public let miner: Address?
    public let transactions: [TxHash]

    private enum CodingKeys: String, CodingKey {
        case number, hash, parentHash, timestamp, gasLimit, gasUsed, baseFeePerGas, miner, transactions
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        number = try container.decode(BlockNumber.self, forKey: .number)
        hash = try container.decode(BlockHash.self, forKey: .hash)
        parentHash = try container.decode(BlockHash.self, forKey: .parentHash)
        timestamp = try container.decodeQuantity(forKey: .timestamp)
        gasLimit = try container.decode(Gas.self, forKey: .gasLimit)
        gasUsed = try container.decode(Gas.self, forKey: .gasUsed)
        baseFeePerGas = try container.decodeIfPresent(Wei.self, forKey: .baseFeePerGas)
        miner = try container.decodeIfPresent(Address.self, forKey: .miner)
        transactions = try container.decodeIfPresent([TxHash].self, forKey: .transactions) ?? []
    }
}

/// Recent base fees and tips, from `eth_feeHistory`.
public struct FeeHistory: Sendable, Hashable, Decodable {
    /// The first block of the range.
    public let oldestBlock: BlockNumber
    /// One per block in the range, plus the next block's (so one more than the block count).
    public let baseFeePerGas: [Wei]
    /// Fraction of each block's gas limit that was used, 0…1.
    public let gasUsedRatio: [Double]
    /// Per block, the tip at each requested percentile; empty when none were requested.
    public let reward: [[Wei]]

    private enum CodingKeys: String, CodingKey { case oldestBlock, baseFeePerGas, gasUsedRatio, reward }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        oldestBlock = try container.decode(BlockNumber.self, forKey: .oldestBlock)
        baseFeePerGas = try container.decodeIfPresent([Wei].self, forKey: .baseFeePerGas) ?? []
        gasUsedRatio = try container.decode([Double].self, forKey: .gasUsedRatio)
        reward = try container.decodeIfPresent([[Wei]].self, forKey: .reward) ?? []
    }
}
