/// What the caller of a failed JSON-RPC call must do next.
///
/// Every failure the client reports carries one of these, decided by
/// ``RecoveryAction/init(classifying:)`` from the transport error, the HTTP status or the
/// node's JSON-RPC error alone, so callers switch on it instead of parsing messages.
public enum RecoveryAction: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// The node did not give a definitive answer (timeout, connection failure, 5xx, 429, rate
    /// limit, syncing, unknown error). Send the same request again later. For
    /// `eth_sendRawTransaction` the transaction may still have landed: re-send the same signed
    /// bytes (same hash), never a re-signed copy.
    case retryLater
    /// The node already has this exact transaction (same hash): treat it as sent and watch for
    /// its receipt.
    case alreadySent
    /// The sender's nonce has moved past this transaction's nonce. Treat the transaction as sent
    /// only if its own hash is on chain (`eth_getTransactionByHash`/receipt); otherwise another
    /// transaction took the nonce and the caller must reconcile the sender's nonce (re-read it,
    /// and re-sign with a fresh nonce only once it is sure none of its own copies landed).
    case nonceTooLow
    /// The node refuses a nonce that leaves a gap after the sender's pending nonce. Send the
    /// missing lower nonces first, or reconcile the sender's nonce.
    case nonceTooHigh
    /// The fees are unacceptable: below the base fee or the pool's minimum, not bumped enough to
    /// replace a pending transaction, or above the node's fee cap. Re-sign with adjusted fees.
    case fixFees
    /// The sender cannot pay gas × fee + value. Top the sender up, then retry.
    case waitForFunds
    /// The request or transaction is invalid (bad signature, wrong chain id, gas limit, oversized,
    /// malformed request). Resending it unchanged will never succeed.
    case giveUp

    public var description: String { rawValue }

    /// One sentence telling an operator what to do about a failure with this action.
    public var advice: String {
        switch self {
        case .retryLater:
            "retry later with the same request (for a broadcast: the same signed bytes; it may already have landed)"
        case .alreadySent:
            "the node already has this transaction: treat it as sent and wait for its receipt"
        case .nonceTooLow:
            "the nonce is used: if this transaction's hash is on chain it was sent, otherwise reconcile the sender's nonce"
        case .nonceTooHigh:
            "the nonce leaves a gap: send the missing lower nonces first or reconcile the sender's nonce"
        case .fixFees:
            "re-sign with fees that fit the current base fee and the node's price rules"
        case .waitForFunds:
            "top up the sender's balance, then retry"
        case .giveUp:
            "the request is invalid and will never succeed as it is: fix the transaction or the configuration"
        }
    }
}
