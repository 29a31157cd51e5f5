import BroadcastModel
import Kafka
import StatusStore

/// What operators see of a worker, shared by its pipeline (which records into it) and its
/// health server (which shows it): the metrics, the node's last answer, the broker probe, and
/// the partitions held.
public struct WorkerMonitoring: Sendable {
    public let metrics: WorkerMetrics
    public let nodeWatch: NodeWatch
    let probe: KafkaLagProbe
    /// The partitions the consumer holds, as its events arrive (intake and the lag gauges read it).
    let assignment = ConsumerAssignment()

    /// - Parameters:
    ///   - nodeWatch: also given to the worker's `ChainRPCClient` as its observer.
    ///   - probe: asks the broker for watermarks and metadata, on a connection of its own.
    public init(metrics: WorkerMetrics, nodeWatch: NodeWatch, probe: KafkaLagProbe) {
        self.metrics = metrics
        self.nodeWatch = nodeWatch
        self.probe = probe
    }

    /// What keeps the worker from doing its work now, empty when it is ready: the store cannot
    /// be read, the broker does not answer metadata within `brokerTimeout`, or no node answered
    /// a call for `nodeWindow` (the monitor asks one every so often, so an idle worker stays ready).
    func unreadiness(store: any StatusStore, brokerTimeout: Duration, nodeWindow: Duration) async -> [String] {
        var problems: [String] = []
        do {
            _ = try await store.request(RequestID())
        } catch {
            problems.append("the status store cannot be read: \(error)")
        }
        if !(await probe.brokerAnswers(timeout: brokerTimeout)) {
            problems.append("the Kafka broker did not answer a metadata request within \(brokerTimeout)")
        }
        switch nodeWatch.sinceLastAnswer {
        case nil:
            problems.append("no JSON-RPC node has answered yet")
        case let since? where since > nodeWindow:
            problems.append("no JSON-RPC node has answered for \(since.components.seconds) s")
        default:
            break
        }
        return problems
    }
}
