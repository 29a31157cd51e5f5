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
    /// Pause before retrying a batch the store could not record.
    public var storeRetryDelay: Duration = .seconds(1)
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
