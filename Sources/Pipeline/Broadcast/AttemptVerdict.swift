import BroadcastModel
import ChainRPC

/// What follows one broadcast attempt: the status it leads to and, for a retry, when.
///
/// Decided from the attempt's outcome, the number of attempts made and the retry policy
/// alone, so the whole decision table is testable without a node.
public enum AttemptVerdict: Sendable, Equatable {
    /// The node has the transaction.
    case broadcast
    /// Worth trying again with the same bytes after `delay`.
    case retry(after: Duration, reason: String)
    /// No further attempt: attempts are exhausted or the node refused it for good.
    case failed(reason: String)

    /// Decides after attempt number `attempt` (1 for the first) ended with `outcome`.
    public static func decide(
        _ outcome: SendOutcome, attempt: Int, policy: RetryPolicy,
        random: inout some RandomNumberGenerator
    ) -> AttemptVerdict {
        switch outcome {
        case .accepted:
            return .broadcast
        case .nonceUsed(ownHashKnown: true, _):
            return .broadcast
        case .nonceUsed(ownHashKnown: false, let message):
            // Another transaction took the nonce: resending these bytes can never succeed.
            // Reconciling the sender's nonce and re-signing is on the roadmap.
            return .failed(reason: "the nonce was used by another transaction of the sender (\(message))")
        case .failed(.giveUp, let message):
            return .failed(reason: message)
        case .failed(let action, let message):
            guard let delay = policy.delay(afterAttempt: attempt, using: &random) else {
                return .failed(reason: "gave up after \(attempt) attempt\(attempt == 1 ? "" : "s"), last: \(message) [\(action)]")
            }
            return .retry(after: delay, reason: message)
        }
    }

    /// The status the attempt leads to.
    public var status: TransactionStatus {
        switch self {
        case .broadcast: .broadcast
        case .retry: .retrying
        case .failed: .failed
        }
    }
}
