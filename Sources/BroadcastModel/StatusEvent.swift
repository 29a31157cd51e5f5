import EVMPrimitives
import Foundation

/// A status change, as produced to the results topic (keyed by request id) for other services
/// and for the API's `Prefer: wait`. Every change is written to the store's outbox in the same
/// transaction as the change itself and published after commit, so each reaches the topic at
/// least once; `sequence` grows with every change of one request, so a reader that sees an
/// event twice, or an older one after a newer, keeps the highest.
public struct StatusEvent: Hashable, Sendable, Codable {
    public var id: RequestID
    public var sequence: Int
    public var status: TransactionStatus
    public var nonce: Nonce
    /// The newest version's hash, or the mined one's once mined.
    public var hash: TxHash
    /// Every version signed for the request, oldest first.
    public var versions: [VersionSummary]
    /// Where the request was mined, while that block is canonical.
    public var receipt: ReceiptSummary?
    public var error: String?
    public var at: Date

    public init(
        id: RequestID, sequence: Int, status: TransactionStatus, nonce: Nonce, hash: TxHash,
        versions: [VersionSummary], receipt: ReceiptSummary?, error: String?, at: Date
    ) {
        self.id = id
        self.sequence = sequence
        self.status = status
        self.nonce = nonce
        self.hash = hash
        self.versions = versions
        self.receipt = receipt
        self.error = error
        self.at = at
    }
}

/// One signed version, as events and the API show it.
public struct VersionSummary: Hashable, Sendable, Codable {
    public var number: Int
    /// `original`, `replacement` or `cancellation`.
    public var kind: String
    public var hash: TxHash
    public var maxFeePerGas: Wei
    public var maxPriorityFeePerGas: Wei
    public var signedAt: Date

    public init(number: Int, kind: String, hash: TxHash, maxFeePerGas: Wei, maxPriorityFeePerGas: Wei, signedAt: Date) {
        self.number = number
        self.kind = kind
        self.hash = hash
        self.maxFeePerGas = maxFeePerGas
        self.maxPriorityFeePerGas = maxPriorityFeePerGas
        self.signedAt = signedAt
    }

    enum CodingKeys: String, CodingKey {
        case number, kind, hash
        case maxFeePerGas = "max_fee_per_gas"
        case maxPriorityFeePerGas = "max_priority_fee_per_gas"
        case signedAt = "signed_at"
    }
}

/// Where a version was mined, from its receipt.
public struct ReceiptSummary: Hashable, Sendable, Codable {
    public var hash: TxHash
    public var block: BlockNumber
    public var blockHash: BlockHash
    /// False when execution reverted.
    public var succeeded: Bool
    public var gasUsed: Gas
    public var effectiveGasPrice: Wei?

    public init(hash: TxHash, block: BlockNumber, blockHash: BlockHash, succeeded: Bool, gasUsed: Gas, effectiveGasPrice: Wei?) {
        self.hash = hash
        self.block = block
        self.blockHash = blockHash
        self.succeeded = succeeded
        self.gasUsed = gasUsed
        self.effectiveGasPrice = effectiveGasPrice
    }

    enum CodingKeys: String, CodingKey {
        case hash, block, succeeded
        case blockHash = "block_hash"
        case gasUsed = "gas_used"
        case effectiveGasPrice = "effective_gas_price"
    }
}

extension StatusEvent {
    enum CodingKeys: String, CodingKey {
        case id, sequence, status, nonce, hash, versions, receipt, error, at
    }
}
