import BroadcastModel

/// The timings and bounds a request's lifecycle follows; built from the configuration.
public struct LifecyclePolicy: Hashable, Sendable {
    /// Blocks a version must be deep (its own block counting as 1) before a status is final.
    public var confirmations: UInt64
    /// The backoff between sends that did not reach a node, and the deadline to give up.
    public var retry: RetryPolicy
    /// A version a node took but that is not mined after this long is looked up in the node's
    /// pool; when the node no longer has it (evicted, a restarted node), the same bytes go out
    /// again.
    public var poolCheckAfter: Duration
    /// The oldest unmined version of a sender is replaced with higher fees once it has waited
    /// this long, or this many blocks, at the head of the sender's line.
    public var bumpAfter: Duration
    public var bumpAfterBlocks: UInt64
    public var fees: FeePolicy
    /// A sender's unmined nonces that may be out at a node at once, lowest first.
    public var maxPendingPerSender: Int

    public init(
        confirmations: UInt64 = 12, retry: RetryPolicy = RetryPolicy(), poolCheckAfter: Duration = .seconds(60),
        bumpAfter: Duration = .seconds(180), bumpAfterBlocks: UInt64 = 15, fees: FeePolicy, maxPendingPerSender: Int = 1000
    ) {
        self.confirmations = max(1, confirmations)
        self.retry = retry
        self.poolCheckAfter = poolCheckAfter
        self.bumpAfter = bumpAfter
        self.bumpAfterBlocks = max(1, bumpAfterBlocks)
        self.fees = fees
        self.maxPendingPerSender = max(1, maxPendingPerSender)
    }
}
