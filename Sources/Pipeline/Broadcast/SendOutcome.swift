import BroadcastModel
import ChainRPC

/// What one `eth_sendRawTransaction` of a stored transaction told us, after the follow-up
/// lookup a "nonce too low" answer needs.
public enum SendOutcome: Sendable, Equatable {
    /// The node took the transaction, or already had it.
    case accepted
    /// The sender's nonce moved past ours; `ownHashKnown` says whether the node knows our own
    /// transaction (then it is ours that used the nonce).
    case nonceUsed(ownHashKnown: Bool, message: String)
    /// Any other failure, with what to do about it and the error's words.
    case failed(RecoveryAction, message: String)

    /// Classifies a failed send; `alreadySent` counts as accepted. A `nonceTooLow` answer
    /// needs a lookup of our own hash first: the caller turns it into `nonceUsed`.
    public init(sendError error: ChainRPCError) {
        switch error.action {
        case .alreadySent: self = .accepted
        default: self = .failed(error.action, message: error.description)
        }
    }

    /// How the attempt row records this send.
    public var attemptOutcome: BroadcastAttempt.Outcome {
        switch self {
        case .accepted, .nonceUsed(ownHashKnown: true, _): .accepted
        case .nonceUsed(ownHashKnown: false, _), .failed(.giveUp, _): .rejected
        case .failed: .retryable
        }
    }

    /// The kind of failure, for metrics: the `RecoveryAction` of a failed send, `nonceUsed`,
    /// or `none`.
    public var errorClass: String {
        switch self {
        case .accepted: "none"
        case .nonceUsed: "nonceUsed"
        case .failed(let action, _): action.rawValue
        }
    }

    /// The error's words, nil when the node took the transaction.
    public var errorMessage: String? {
        switch self {
        case .accepted: nil
        case .nonceUsed(_, let message), .failed(_, let message): message
        }
    }
}
