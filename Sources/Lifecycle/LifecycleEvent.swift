import EVMPrimitives
import Foundation

/// Something that happened to a request: the result of an action, or what the chain shows.
public enum LifecycleEvent: Hashable, Sendable {
    /// A send of version `version` ended with `result`; `head` is the chain head then.
    case sent(version: Int, SendResult, head: BlockNumber?)
    /// A replacement or cancellation was signed and stored.
    case signed(TransactionVersion)
    /// Signing the replacement or cancellation failed (the store refused it, or the key).
    case signingFailed(reason: String)
    /// The node was asked for the newest accepted version: whether it still has it.
    case poolChecked(version: Int, present: Bool)
    /// One of the request's hashes is in a canonical block.
    case included(Inclusion)
    /// The block holding the request's version is no longer canonical.
    case reorganised
    /// The chain's head moved: depth, and the blocks-based bump timer.
    case head(BlockNumber)
    /// The settlement of a "nonce too low": ours was mined (see `included`), the nonce is
    /// taken by something else deep enough, or neither can be told yet.
    case settled(NonceSettlement)
    /// Send the newest version again now: the lane learned a node lost it (a higher nonce of
    /// the sender was refused as leaving a gap).
    case resendRequested(reason: String)
    /// The chain's count of the sender's mined transactions is past this nonce, and no
    /// inclusion of ours was seen: settle by receipts.
    case nonceUsedOnChain
    /// An action could not be carried out (a call that could not start, a store write that
    /// failed); it is tried again later.
    case abandoned(LifecycleAction.Kind, reason: String)
}

/// Whose transaction used a request's nonce, as receipts and the chain's counts tell.
public enum NonceSettlement: Hashable, Sendable {
    /// None of the request's versions is mined, and the sender's count `confirmations` blocks
    /// below the head is past the nonce: something else took it, for good.
    case takenByOther
    /// Not decided yet (the count is past the nonce only at the head, or not at all): ask again
    /// on a later head.
    case undecided
}

/// What the lifecycle wants done next; the lane carries it out and reports back an event.
public enum LifecycleAction: Hashable, Sendable {
    /// `eth_sendRawTransaction` with this version's bytes (to every healthy endpoint).
    case send(TransactionVersion)
    /// `eth_getTransactionByHash` of this version: does the node still hold it?
    case checkPool(TransactionVersion)
    /// Sign and store a new version at the nonce with these fees.
    case sign(TransactionVersion.Kind, FeeCaps)
    /// Look up the receipts of every version, then the sender's counts.
    case settleNonce
    /// Tell an operator: something only they can fix is holding the request.
    case alert(String)

    public enum Kind: String, Hashable, Sendable {
        case send, checkPool, sign, settleNonce, alert
    }

    public var kind: Kind {
        switch self {
        case .send: .send
        case .checkPool: .checkPool
        case .sign: .sign
        case .settleNonce: .settleNonce
        case .alert: .alert
        }
    }
}
