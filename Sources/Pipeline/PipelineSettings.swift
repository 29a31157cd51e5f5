import BroadcastModel
import Foundation
import Lifecycle

/// How a worker's pipeline consumes, works its senders and reports; built from the configuration.
public struct PipelineSettings: Sendable {
    public var consumerGroup: String
    public var requestsTopic: String
    /// What every request's lifecycle follows: confirmations, backoff and deadline, pool
    /// checks, bumps, fee bounds.
    public var lifecycle: LifecyclePolicy
    /// Node calls of all lanes in flight at once.
    public var maxInFlight: Int
    /// Consumed messages recorded per store transaction, at most.
    public var intakeBatchSize: Int
    /// Intake stops taking from Kafka while this many requests are stored but neither taken by
    /// a node nor being handed to one (back-pressure; Kafka keeps the rest).
    public var maxUnsent: Int = 10_000
    /// This process's name in leases and outbox claims: unique per process start.
    public var owner: String = Self.uniqueOwner()
    /// How long a sender's lease lasts unrenewed (renewed at half of it).
    public var leaseLength: Duration = .seconds(30)
    /// Pause before asking again for a sender whose lease another worker holds.
    public var leaseWaitDelay: Duration = .seconds(1)
    /// How often unfinished work nobody holds is looked for.
    public var sweepInterval: Duration = .seconds(15)
    /// How old a pending count read ahead may be when a lane starts from it; zero: none is read ahead.
    public var nonceReadAhead: Duration = .seconds(60)
    /// Pause between reads of the chain head.
    public var pollInterval: Duration = .seconds(1)
    /// How long lanes may store what they know after a graceful shutdown begins.
    public var drainGrace: Duration = .seconds(10)
    /// Tries of `eth_chainId` at start (the node may still be starting), and the pause between.
    public var chainCheckAttempts: Int = 8
    public var chainCheckDelay: Duration = .seconds(5)
    /// Where messages the worker cannot process go (`kafka.deadLetterTopic`).
    public var deadLetterTopic: String = "broadcaster.dead-letter"
    /// How a batch the store could not record for a transient reason (busy, disk) is retried:
    /// about 4 minutes in all by default; past the last attempt the worker exits.
    public var storeRetry = BoundedRetry(
        attempts: 12, backoff: RetryPolicy(initialDelay: .seconds(1), multiplier: 2, maxDelay: .seconds(30), jitter: 0.2))
    /// Backoff between tries of a dead letter the broker did not take (tried until it does).
    public var deadLetterBackoff = RetryPolicy(initialDelay: .milliseconds(500), multiplier: 2, maxDelay: .seconds(30), jitter: 0.2)
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

    public init(consumerGroup: String, requestsTopic: String, lifecycle: LifecyclePolicy, maxInFlight: Int, intakeBatchSize: Int) {
        self.consumerGroup = consumerGroup
        self.requestsTopic = requestsTopic
        self.lifecycle = lifecycle
        self.maxInFlight = maxInFlight
        self.intakeBatchSize = intakeBatchSize
    }

    /// Host, process id and a random part: two processes never share a name, not even one
    /// restarted with the same pid.
    static func uniqueOwner() -> String {
        let host = ProcessInfo.processInfo.hostName.split(separator: ".").first.map(String.init) ?? "host"
        return "\(host)-\(ProcessInfo.processInfo.processIdentifier)-\(UInt32.random(in: 0...UInt32.max))"
    }
}

/// A backoff with a bound on the number of tries.
public struct BoundedRetry: Sendable {
    public var attempts: Int
    public var backoff: RetryPolicy

    public init(attempts: Int, backoff: RetryPolicy) {
        self.attempts = max(1, attempts)
        self.backoff = backoff
    }

    /// The delay before the next try after `attempt` failed ones; nil when none is left.
    func delay(afterAttempt attempt: Int, using random: inout some RandomNumberGenerator) -> Duration? {
        attempt < attempts ? backoff.delay(afterFailures: attempt, using: &random) : nil
    }
}
