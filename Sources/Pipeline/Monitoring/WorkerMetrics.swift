import BroadcastModel
import EVMPrimitives
import Prometheus

/// A worker's Prometheus metrics, in a registry of its own (every worker, and every test, has
/// its own). Served at `/metrics` by ``WorkerHealthServer``.
///
/// | metric | type | labels |
/// |---|---|---|
/// | `broadcaster_worker_in_flight` | gauge | |
/// | `broadcaster_worker_backlog` | gauge | |
/// | `broadcaster_worker_chain_head` | gauge | |
/// | `broadcaster_worker_requests` | gauge | `status` |
/// | `broadcaster_worker_consumer_lag` | gauge | `topic`, `partition` |
/// | `broadcaster_worker_rpc_duration_seconds` | histogram | `method`, `endpoint`, `outcome` |
/// | `broadcaster_worker_retries_total` | counter | `stage`, `class` |
/// | `broadcaster_worker_dead_letters_total` | counter | `reason` |
public struct WorkerMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    private let inFlight: Gauge
    private let backlog: Gauge
    private let chainHead: Gauge

    /// RPC latency buckets: the mission's node answers after 20-30 s, a local one in milliseconds.
    static let rpcBuckets: [Duration] = [
        .milliseconds(5), .milliseconds(25), .milliseconds(100), .milliseconds(250), .milliseconds(500),
        .seconds(1), .seconds(2.5), .seconds(5), .seconds(10), .seconds(20), .seconds(30), .seconds(45), .seconds(60),
    ]

    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        inFlight = registry.makeGauge(
            descriptor: Self.name("in_flight", help: "Broadcast attempts running now."))
        backlog = registry.makeGauge(
            descriptor: Self.name("backlog", help: "Transactions in the broadcast queue waiting for their (next) attempt."))
        chainHead = registry.makeGauge(
            descriptor: Self.name("chain_head", help: "The newest block the chain watcher has processed (compare with the node's to see how far behind inclusions are learned)."))
    }

    /// Where the broadcaster's queue stands.
    func broadcastQueue(inFlight running: Int, waiting: Int) {
        inFlight.set(Int64(running))
        backlog.set(Int64(waiting))
    }

    /// The chain watcher processed `head`.
    func processed(head: BlockNumber) {
        chainHead.set(Int64(clamping: head.value))
    }

    /// The requests of the status store in each status. The store is shared by the workers of
    /// a host, so each of them reports the same figures.
    func requests(byStatus counts: [TransactionStatus: Int]) {
        for status in TransactionStatus.allCases {
            registry.makeGauge(
                descriptor: Self.name("requests", help: "Requests in the status store (shared by the workers of a host), by status."),
                labels: [("status", status.rawValue)]
            ).set(Int64(counts[status] ?? 0))
        }
    }

    /// The gauge of one partition's lag: its high watermark minus the next offset stored as consumed.
    func consumerLag(topic: String, partition: Int32) -> Gauge {
        registry.makeGauge(
            descriptor: Self.name("consumer_lag", help: "Messages of an assigned partition not yet stored as consumed (high watermark minus consumed position)."),
            labels: [("topic", topic), ("partition", String(partition))])
    }

    func forget(_ gauge: Gauge) {
        registry.unregisterGauge(gauge)
    }

    /// One JSON-RPC call to one endpoint, from request to answer (or to giving up).
    func rpcCall(method: String, endpoint: String, outcome: String, took duration: Duration) {
        registry.makeDurationHistogram(
            descriptor: Self.name("rpc_duration", unit: "seconds", help: "JSON-RPC calls by method, endpoint and outcome (result, rpc_error, http_error, malformed, transport)."),
            labels: [("method", method), ("endpoint", endpoint), ("outcome", outcome)],
            buckets: Self.rpcBuckets
        ).record(duration)
    }

    /// Something is tried again: `stage` is `broadcast` (class: the node's answer, as a
    /// `RecoveryAction`), `store` (class: `busy` or `storageFailure`) or `dead_letter`.
    func retry(stage: String, class errorClass: String) {
        registry.makeCounter(
            descriptor: Self.name("retries", unit: "total", help: "Retries by stage (broadcast, store, dead_letter) and error class."),
            labels: [("stage", stage), ("class", errorClass)]
        ).increment()
    }

    /// A consumed message went to the dead-letter topic, for `reason` (a `DeadLetterReason` code).
    func deadLettered(reason: String) {
        registry.makeCounter(
            descriptor: Self.name("dead_letters", unit: "total", help: "Consumed messages sent to the dead-letter topic, by reason."),
            labels: [("reason", reason)]
        ).increment()
    }

    /// The Prometheus text exposition of everything recorded.
    public func exposition() -> [UInt8] {
        registry.emitToBuffer()
    }

    private static func name(_ metric: String, unit: String = "", help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "broadcaster", subsystem: "worker", metricName: metric, unitName: unit, helpText: help)
    }
}
