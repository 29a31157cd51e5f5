import BroadcastModel

/// How a worker's pipeline consumes, schedules and recovers; built from the configuration.
public struct PipelineSettings: Sendable {
    public var consumerGroup: String
    public var requestsTopic: String
    public var retry: RetryPolicy
    /// Broadcast attempts running at once; transactions waiting for a retry do not count.
    public var maxInFlight: Int
    /// Consumed messages recorded per store transaction, at most.
    public var intakeBatchSize: Int
    /// How long in-flight attempts may finish after a graceful shutdown begins.
    public var drainGrace: Duration = .seconds(10)
    /// Tries of `eth_chainId` at start (the node may still be starting), and the pause between.
    public var chainCheckAttempts: Int = 8
    public var chainCheckDelay: Duration = .seconds(5)
    /// Pause between tries while the node cannot tell a sender's nonce.
    public var reconcileRetryDelay: Duration = .seconds(5)
    /// Where messages the worker cannot process go (`kafka.deadLetterTopic`).
    public var deadLetterTopic: String = "broadcaster.dead-letter"
    /// How a batch the store could not record for a transient reason (busy, disk) is retried:
    /// about 4 minutes in all by default; past the last attempt the worker exits.
    public var storeRetry = RetryPolicy(maxAttempts: 12, initialDelay: .seconds(1), multiplier: 2, maxDelay: .seconds(30), jitter: 0.2)
    /// Backoff between tries of a dead letter the broker did not take (tried until it does).
    public var deadLetterBackoff = RetryPolicy(maxAttempts: 8, initialDelay: .milliseconds(500), multiplier: 2, maxDelay: .seconds(30), jitter: 0.2)
    /// How often the monitor samples consumer lag and requests by status, and checks the node.
    public var monitorInterval: Duration = .seconds(5)
    /// The monitor asks the node for its block number when no call has had an answer for this
    /// long, so readiness does not depend on traffic.
    public var nodeProbeAfter: Duration = .seconds(30)
    /// `/readyz` says the node is unavailable when no call had an answer for this long. The
    /// mission's node takes 20-30 s a call, so this leaves room for two slow probes.
    public var nodeAnswerWindow: Duration = .seconds(120)
    /// How long `/readyz` waits for the broker's metadata.
    public var brokerCheckTimeout: Duration = .seconds(2)
    /// Unfinished records resumed per recovery pass.
    public var recoveryLimit: Int = 100_000
    /// How often the store is swept for stale unfinished work of processes that died.
    public var sweepInterval: Duration = .seconds(30)
    /// How long past due unfinished work must be before a sweep takes it over.
    public var staleAfter: Duration = .seconds(180)

    public init(consumerGroup: String, requestsTopic: String, retry: RetryPolicy, maxInFlight: Int, intakeBatchSize: Int) {
        self.consumerGroup = consumerGroup
        self.requestsTopic = requestsTopic
        self.retry = retry
        self.maxInFlight = maxInFlight
        self.intakeBatchSize = intakeBatchSize
    }
}
