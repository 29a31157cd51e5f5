import Logging

/// What a fetch said about a partition's log.
enum FetchAnswer: Sendable, Hashable {
    /// The watermarks the fetch response carried.
    case watermarks(KafkaWatermarks)
    /// The broker refused the offset as out of range (Apache Kafka's answer to an offset beyond
    /// the end or before the start of the log).
    case outOfRange
}

/// Asks partitions' leaders for their watermarks the way a fetch sees them, with a fresh,
/// short-lived consumer that joins no group.
///
/// ListOffsets (`RDKafkaHandle.queryWatermarks`) is exact on Apache Kafka, but Tansu answers the
/// end of a log with the base offset of its last record batch plus one, up to a batch short of
/// the real end; its fetch responses carry the real end. A fresh client, because the watermarks
/// librdkafka caches per partition survive a reassignment and may predate a broker restart.
enum FetchProbe {
    /// Fetches each partition from the given offset and returns what the first fetch response
    /// said; partitions without an answer within `timeout` are left out. Blocks.
    static func answers(
        properties: [String: String], fetching offsets: [TopicPartition: Int64], timeout: Duration, logger: Logger
    ) -> [TopicPartition: FetchAnswer] {
        var all = properties
        all["group.id"] = "broadcaster-probe-\(UInt64.random(in: .min ... .max))"
        all["auto.offset.reset"] = "error"
        all["enable.auto.commit"] = "false"
        all["enable.partition.eof"] = "false"
        // An empty fetch answers after this long; the default (500 ms) would stretch the probe.
        all["fetch.wait.max.ms"] = "50"
        let client: RDKafkaClient
        do {
            client = try RDKafkaClient(.consumer, properties: all, handler: ProbeEvents(logger: logger))
            client.redirectMainQueueToConsumer()
            try client.assign(offsets)
        } catch {
            logger.warning("Kafka could not probe the ends of \(offsets.keys.sorted()): \(error)")
            return [:]
        }
        defer { client.closeConsumer() }
        var answers: [TopicPartition: FetchAnswer] = [:]
        let deadline = ContinuousClock.now + timeout
        while answers.count < offsets.count, ContinuousClock.now < deadline {
            if case .offsetOutOfRange(let partition, _) = client.consumerPoll(timeoutMS: 50), offsets[partition] != nil {
                answers[partition] = .outOfRange
            }
            for partition in offsets.keys where answers[partition] == nil {
                if let watermarks = client.borrowed.cachedWatermarks(of: partition) {
                    answers[partition] = .watermarks(watermarks)
                }
            }
        }
        return answers
    }
}

/// A probe needs no callbacks beyond logging.
final class ProbeEvents: RDKafkaEventHandler {
    let logger: Logger
    init(logger: Logger) { self.logger = logger }
}
