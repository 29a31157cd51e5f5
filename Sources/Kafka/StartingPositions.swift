import Foundation
import Logging

/// Checks the offsets a consumer was told to start newly assigned partitions at against their
/// logs, and decides where each really starts (`KafkaPartitionStart`).
///
/// Runs inside librdkafka's rebalance callback or the polling loop, on the client's own polling
/// thread (never on Swift's cooperative pool), so its blocking calls are bounded: ListOffsets
/// exchanges per partition within `budget` (retried while they fail: right after a broker
/// restart the client may not know the recreated partitions yet), then one fetch probe for the
/// partitions that look reset. The probe is there for Tansu, whose ListOffsets end can lag the
/// real end by one record batch: without it, a stored offset inside that last batch would read
/// as a reset. Partitions still without watermarks when the budget is spent are `unchecked`.
struct StartingPositions: Sendable {
    /// What was decided for one partition, and the watermarks it was decided on.
    struct Decision: Sendable {
        var start: KafkaPartitionStart
        var watermarks: KafkaWatermarks?
    }

    /// The consumer's properties, for the probe's client.
    let probeProperties: [String: String]
    let logger: Logger
    var queryTimeout = Duration.seconds(2)
    var budget = Duration.seconds(8)
    var probeTimeout = Duration.seconds(3)
    /// Seconds between two ListOffsets attempts for one partition.
    var retryDelay = 0.25

    func decide(
        _ partitions: [TopicPartition], stored: [TopicPartition: Int64], on client: RDKafkaHandle
    ) -> [TopicPartition: Decision] {
        var decisions: [TopicPartition: Decision] = [:]
        let deadline = ContinuousClock.now + budget
        for partition in partitions.sorted() {
            guard let offset = stored[partition] else {
                decisions[partition] = Decision(start: .decide(stored: nil, watermarks: nil))
                continue
            }
            let watermarks = query(partition, until: deadline, on: client)
            decisions[partition] = Decision(start: .decide(stored: offset, watermarks: watermarks), watermarks: watermarks)
        }

        var suspects: [TopicPartition: Int64] = [:]
        for (partition, decision) in decisions where decision.start.verdict == .logReset {
            suspects[partition] = stored[partition]
        }
        guard !suspects.isEmpty else { return decisions }
        let answers = FetchProbe.answers(
            properties: probeProperties, fetching: suspects, timeout: probeTimeout, logger: logger)
        for (partition, offset) in suspects {
            // Out of range (Apache Kafka) or no answer: ListOffsets stands, and starting at the
            // log's low end is the side that loses nothing.
            guard case .watermarks(let fetched) = answers[partition] else { continue }
            decisions[partition] = Decision(start: .decide(stored: offset, watermarks: fetched), watermarks: fetched)
        }
        return decisions
    }

    /// The partition's watermarks, asked again every `retryDelay` while the broker or the
    /// client's metadata is not ready; nil once `deadline` passed.
    private func query(
        _ partition: TopicPartition, until deadline: ContinuousClock.Instant, on client: RDKafkaHandle
    ) -> KafkaWatermarks? {
        var lastError: KafkaError?
        while ContinuousClock.now < deadline {
            let left = min(queryTimeout, deadline - ContinuousClock.now)
            do {
                return try client.queryWatermarks(of: partition, timeoutMS: max(1, left.clampedMilliseconds))
            } catch {
                lastError = error
                Thread.sleep(forTimeInterval: retryDelay)
            }
        }
        if let lastError { logger.warning("Kafka could not read the watermarks of \(partition): \(lastError)") }
        return nil
    }
}
