import BroadcastModel
import EVMPrimitives
import Foundation

/// One request's life at its nonce, as a pure state machine: events in (`apply`), actions out
/// (`nextActions`), the clock and the random source injected. The lane that owns the sender
/// carries the actions out (sends, pool lookups, signing, settlement) and feeds back what
/// happened; the chain tracker feeds in inclusions, reorganisations and heads.
///
/// The rules:
/// - Every send sends the newest version's bytes, the same bytes again after a timeout (the
///   first may have landed), until a node takes them; backoff between sends that failed.
/// - A version a node took but that is not mined after `poolCheckAfter` is looked up; one the
///   node no longer holds goes out again.
/// - At the head of its sender's line, a version not mined after `bumpAfter` (or
///   `bumpAfterBlocks`) is replaced at the same nonce with fees raised by at least 10%, within
///   the fee ceiling; so is one a node refused for its fees.
/// - A refusal for good, or the deadline passing without any node taking a version, gives the
///   request up: a cancellation (zero-value self-transfer, higher fees) takes the nonce, so
///   later nonces are never stuck behind it. Waiting for funds never gives up.
/// - "Nonce too low" is settled by receipts: if one of our versions is mined the request is
///   mined; if the sender's count is past the nonce `confirmations` below the head and none of
///   ours is, something else took it and the request failed.
/// - Final only `confirmations` deep: `confirmed`, `reverted`, or `failed` when the mined
///   version is our cancellation. A reorganisation takes a mined request back to waiting and
///   re-sending.
///
/// ```swift
/// var request = RequestLifecycle(state: state, policy: policy)
/// for action in request.nextActions(.init(now: clock.now, head: head, market: market)) { … }
/// request.apply(.sent(version: 1, .accepted, head: head), at: clock.now, random: &random)
/// ```
public struct RequestLifecycle: Hashable, Sendable {
    public internal(set) var state: LifecycleState
    public let policy: LifecyclePolicy
    /// Actions handed out and not yet reported back: never two of a kind at once.
    var inFlight: Set<LifecycleAction.Kind> = []
    /// Actions that failed to run, and when they may be tried again.
    var notBefore: [LifecycleAction.Kind: Date] = [:]
    /// The alert last raised, so one condition alerts once.
    var raisedAlert: String?

    public init(state: LifecycleState, policy: LifecyclePolicy) {
        self.state = state
        self.policy = policy
    }

    public var status: TransactionStatus { state.status }

    /// What the lane knows that the request does not.
    public struct Context: Sendable {
        public var now: Date
        /// The chain head, once known.
        public var head: BlockNumber?
        /// Current fees, once known; nothing is signed without them.
        public var market: MarketFees?
        /// Since when this request has been the lowest unmined nonce of its sender (the time,
        /// and the head then); nil while a lower one is still waiting.
        public var headOfLineSince: HeadOfLine?
        /// False while the sender has `maxPendingPerSender` lower nonces unmined: nothing of
        /// this request goes out, and its retry deadline only counts from when it may.
        public var mayBroadcast: Bool

        public init(now: Date, head: BlockNumber?, market: MarketFees?, headOfLineSince: HeadOfLine? = nil, mayBroadcast: Bool = true) {
            self.now = now
            self.head = head
            self.market = market
            self.headOfLineSince = headOfLineSince
            self.mayBroadcast = mayBroadcast
        }
    }

    /// When a request became the lowest unmined nonce of its sender.
    public struct HeadOfLine: Hashable, Sendable {
        public var date: Date
        public var block: BlockNumber?

        public init(date: Date, block: BlockNumber?) {
            self.date = date
            self.block = block
        }
    }
}
