import EVMPrimitives

/// The outcome of a mined transaction, from `eth_getTransactionReceipt`.
public struct TransactionReceipt: Sendable, Hashable, Decodable {
    /// Whether the transaction's execution succeeded (it is mined and paid for either way).
    public enum Status: Sendable, Hashable {
        case success
        case reverted
    }

    public let transactionHash: TxHash
    public let from: Address
    /// Nil for a contract creation.
    public let to: Address?
    public let blockNumber: BlockNumber
    public let blockHash: BlockHash
    public let transactionIndex: UInt64
    public let status: Status
    public let gasUsed: Gas
    public let cumulativeGasUsed: Gas
    /// What each unit of gas actually cost (base fee plus the tip paid).
    public let effectiveGasPrice: Wei
    /// The created contract's address, for a contract creation.
    public let contractAddress: Address?

    private enum CodingKeys: String, CodingKey {
        case transactionHash, from, to, blockNumber, blockHash, transactionIndex, status
        case gasUsed, cumulativeGasUsed, effectiveGasPrice, contractAddress
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        transactionHash = try container.decode(TxHash.self, forKey: .transactionHash)
        from = try container.decode(Address.self, forKey: .from)
        to = try container.decodeIfPresent(Address.self, forKey: .to)
        blockNumber = try container.decode(BlockNumber.self, forKey: .blockNumber)
        blockHash = try container.decode(BlockHash.self, forKey: .blockHash)
        transactionIndex = try container.decodeQuantity(forKey: .transactionIndex)
        switch try container.decodeQuantity(forKey: .status) {
        case 1: status = .success
        case 0: status = .reverted
        case let other:
            throw DecodingError.dataCorruptedError(
                forKey: .status, in: container, debugDescription: "receipt status \(other) is neither 0 nor 1")
        }
        gasUsed = try container.decode(Gas.self, forKey: .gasUsed)
        cumulativeGasUsed = try container.decode(Gas.self, forKey: .cumulativeGasUsed)
        effectiveGasPrice = try container.decode(Wei.self, forKey: .effectiveGasPrice)
        contractAddress = try container.decodeIfPresent(Address.self, forKey: .contractAddress)
    }
}
