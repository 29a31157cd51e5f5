/// Where a request is in its life, in the chain's words, not the node's first answer.
///
/// ```
///              ┌──────────── retrying / unknown ◀─┐
///              ▼                                  │ (a send failed / its answer was lost)
/// accepted → signed → submitted → mined → confirmed | reverted
///                         │         │
///                         ▼         └─ reorganised away: back to submitted
///                      replaced ──▶ mined (whichever version lands settles the request)
///                         │
///                         └─ our cancellation (or a stranger) took the nonce: failed
/// ```
/// `accepted` exists only between the API's 200 and a worker storing the request. A request
/// keeps one id while its hash changes (fee bumps, a cancellation): every signed version is
/// kept, and whichever of them is mined settles the request.
public enum TransactionStatus: String, Hashable, Sendable, Codable, CaseIterable {
    /// In the requests topic (the broker acknowledged it); no worker has stored it yet.
    case accepted
    /// Nonce assigned and first version signed; not sent yet.
    case signed
    /// Sends failed before any version reached a node; the next send is scheduled.
    case retrying
    /// Sent, but the answer was lost (a timeout, a dropped connection): it may have landed.
    /// The same bytes are sent again.
    case unknown
    /// A node holds the first version.
    case submitted
    /// A newer version at the same nonce (higher fees, or a cancellation) is out; whichever
    /// version is mined settles the request.
    case replaced
    /// One of the request's versions is in a block, not yet `confirmations` deep.
    case mined
    /// Final: mined, executed successfully, and `confirmations` blocks deep.
    case confirmed
    /// Final: mined `confirmations` deep but its execution failed; the nonce is used, nothing
    /// happened on the contract.
    case reverted
    /// Final: proven never to land. The nonce is taken by our cancellation or by another
    /// transaction, `confirmations` deep, and none of the request's versions was mined.
    case failed

    /// No further change will happen.
    public var isFinal: Bool { self == .confirmed || self == .reverted || self == .failed }

    /// The dashboard's "passed": mined, successful and confirmed.
    public var passed: Bool { self == .confirmed }

    /// Final without an effect on the contract: an admin may retry it as a new request.
    public var retryable: Bool { self == .failed || self == .reverted }

    /// A node is known (or may be known) to hold one of the request's versions.
    public var isOut: Bool { self == .submitted || self == .replaced || self == .unknown || self == .mined }
}
