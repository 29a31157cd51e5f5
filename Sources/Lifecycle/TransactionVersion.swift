import EVMPrimitives
import Foundation

/// One signed transaction at a request's nonce. A request starts with its original; a fee
/// bump adds a replacement, giving up adds a cancellation (a zero-value transfer to the sender
/// itself). All stay known: whichever is mined settles the request.
public struct TransactionVersion: Hashable, Sendable {
    public enum Kind: String, Hashable, Sendable, Codable, CaseIterable {
        /// The request's call, as first signed.
        case original
        /// The same call with higher fees.
        case replacement
        /// A zero-value self-transfer that takes the nonce so that the call never lands and
        /// later nonces are not stuck behind it.
        case cancellation
    }

    /// 1 for the original, then 2, 3, … in signing order.
    public let number: Int
    public let kind: Kind
    public let hash: TxHash
    /// The signed bytes; every send of this version sends exactly these.
    public let raw: [UInt8]
    public let fees: FeeCaps
    public let signedAt: Date

    public init(number: Int, kind: Kind, hash: TxHash, raw: [UInt8], fees: FeeCaps, signedAt: Date) {
        self.number = number
        self.kind = kind
        self.hash = hash
        self.raw = raw
        self.fees = fees
        self.signedAt = signedAt
    }
}

/// Where one of a request's versions was mined, and how its execution went.
public struct Inclusion: Hashable, Sendable {
    /// The version that was mined.
    public let hash: TxHash
    public let block: BlockNumber
    public let blockHash: BlockHash
    /// The receipt's status: false when execution reverted (the nonce is used all the same).
    public let succeeded: Bool
    public let gasUsed: Gas
    public let effectiveGasPrice: Wei?

    public init(hash: TxHash, block: BlockNumber, blockHash: BlockHash, succeeded: Bool, gasUsed: Gas, effectiveGasPrice: Wei?) {
        self.hash = hash
        self.block = block
        self.blockHash = blockHash
        self.succeeded = succeeded
        self.gasUsed = gasUsed
        self.effectiveGasPrice = effectiveGasPrice
    }
}
