import BroadcastModel

/// What one `eth_sendRawTransaction` of a version told us, in the lifecycle's terms.
public enum SendResult: Hashable, Sendable {
    /// A node took it or already had it.
    case accepted
    /// The answer was lost (a timeout, a dropped connection, a garbled body): it may have
    /// landed. Sending the same bytes again is always safe.
    case unknown(reason: String)
    /// It did not reach a node (connection refused, a busy node's 429/503): try again later.
    case notSent(reason: String)
    /// The node refused it, for a reason that decides what comes next.
    case refused(SendRefusal, reason: String)
}

/// Why a node refused a version, by what to do about it.
public enum SendRefusal: String, Hashable, Sendable, Codable, CaseIterable {
    /// The sender's nonce moved past this one: settle by receipts (ours may be mined).
    case nonceTooLow
    /// A gap below this nonce: the node lost lower ones; send those again first.
    case nonceTooHigh
    /// Fees below what the node or the pool accepts: replace with higher fees.
    case feesTooLow
    /// The sender cannot pay: wait and alert; never give up for it.
    case insufficientFunds
    /// The transaction can never be valid as it is: give up (cancel the nonce).
    case invalid
}

extension SendClass {
    /// The class of a send's result.
    public init(_ result: SendResult) {
        switch result {
        case .accepted: self = .accepted
        case .unknown: self = .unknown
        case .notSent: self = .notSent
        case .refused(let refusal, _):
            switch refusal {
            case .nonceTooLow: self = .nonceTooLow
            case .nonceTooHigh: self = .nonceTooHigh
            case .feesTooLow: self = .feesTooLow
            case .insufficientFunds: self = .insufficientFunds
            case .invalid: self = .invalid
            }
        }
    }
}

extension SendResult {
    /// The node's or the transport's words; nil when accepted.
    public var reason: String? {
        switch self {
        case .accepted: nil
        case .unknown(let reason), .notSent(let reason), .refused(_, let reason): reason
        }
    }
}
