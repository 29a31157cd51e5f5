import ChainRPC
import Synchronization

/// Watches every JSON-RPC call the worker makes: records its latency in the metrics and
/// remembers when the node last answered, for `/readyz`.
public final class NodeWatch: RPCCallObserver {
    private let metrics: WorkerMetrics
    private let clock = ContinuousClock()
    private let lastAnswer = Mutex<ContinuousClock.Instant?>(nil)

    public init(metrics: WorkerMetrics) {
        self.metrics = metrics
    }

    public func observe(_ call: RPCCallObservation) {
        metrics.rpcCall(method: call.method, endpoint: call.endpoint.description, outcome: call.outcome, took: call.duration)
        if call.nodeAnswered {
            let now = clock.now
            lastAnswer.withLock { $0 = now }
        }
    }

    /// How long ago a node last answered a call (a result or a JSON-RPC error); nil if none has.
    var sinceLastAnswer: Duration? {
        lastAnswer.withLock { $0 }.map { clock.now - $0 }
    }
}
