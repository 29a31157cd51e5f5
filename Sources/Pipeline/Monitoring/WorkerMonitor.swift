import ChainRPC
import Kafka
import Logging
import Prometheus
import StatusStore

/// Samples what no event reports, every `interval` until cancelled: requests by status (from
/// the store), the lag of each partition held (the broker's high watermark minus the offset
/// stored as consumed), and, when no call has had an answer for `nodeProbeAfter`, asks the
/// node for its block number so that `/readyz` knows whether it is there.
struct WorkerMonitor: Sendable {
    let monitoring: WorkerMonitoring
    let store: any StatusStore
    let rpc: ChainRPCClient
    let topic: String
    let group: String
    let interval: Duration
    let nodeProbeAfter: Duration
    let logger: Logger

    func run() async {
        await withDiscardingTaskGroup { group in
            group.addTask { await sampleStore() }
            group.addTask { await watchNode() }
        }
    }

    private func sampleStore() async {
        var lagGauges: [Int32: Gauge] = [:]
        var lagFailing = false
        repeat {
            if let counts = try? await store.countsByStatus() {
                monitoring.metrics.requests(byStatus: counts)
            }
            let held = monitoring.assignment.partitions(of: topic)
            for (partition, gauge) in lagGauges where !held.contains(partition) {
                monitoring.metrics.forget(gauge)
                lagGauges[partition] = nil
            }
            guard !held.isEmpty else { continue }
            do {
                let ends = try await monitoring.probe.highWatermarks(topic: topic, partitions: held)
                let consumed = try store.startingOffsets(group: group, topic: topic, partitions: held)
                for (partition, lag) in KafkaLagProbe.lag(highWatermarks: ends, consumed: consumed) {
                    let gauge = lagGauges[partition] ?? monitoring.metrics.consumerLag(topic: topic, partition: partition)
                    lagGauges[partition] = gauge
                    gauge.set(lag)
                }
                lagFailing = false
            } catch {
                if !lagFailing {
                    logger.warning("cannot measure consumer lag", metadata: ["partitions": "\(held)", "error": "\(error)"])
                }
                lagFailing = true
            }
        } while (try? await Task.sleep(for: interval)) != nil
    }

    private func watchNode() async {
        repeat {
            if monitoring.nodeWatch.sinceLastAnswer.map({ $0 >= nodeProbeAfter }) ?? true {
                // The answer (or its absence) reaches the node watch through the client's observer.
                _ = try? await rpc.blockNumber()
            }
        } while (try? await Task.sleep(for: interval)) != nil
    }
}
