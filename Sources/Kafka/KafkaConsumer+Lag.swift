import Logging

/// Asks the broker, on a connection of its own, what a consumer's lag and the broker's
/// readiness are measured against: each partition's high watermark, and whether metadata comes
/// back within a short timeout. Every call blocks a thread of its own, never Swift's pool.
///
/// ```swift
/// let probe = try KafkaLagProbe(bootstrapServers: "127.0.0.1:9092", logger: logger)
/// let ends = try await probe.highWatermarks(topic: "broadcaster.requests", partitions: [0, 1])
/// let lag = KafkaLagProbe.lag(highWatermarks: ends, consumed: [0: 41, 1: 7])
/// ```
public final class KafkaLagProbe: Sendable {
    private let client: RDKafkaClient

    public init(bootstrapServers: String, logger: Logger) throws(KafkaError) {
        try LibRdKafka.requireVersion(atLeast: LibRdKafka.requiredVersion)
        client = try RDKafkaClient(
            .producer, properties: ["bootstrap.servers": bootstrapServers, "client.id": "broadcaster-lag-probe"],
            handler: AdminEvents(logger: logger))
    }

    /// The offset the next message of each partition will get; fails if any partition does
    /// not answer within `timeout`.
    public func highWatermarks(
        topic: String, partitions: [Int32], timeout: Duration = .seconds(2)
    ) async throws(KafkaError) -> [Int32: Int64] {
        let client = client
        let result: Result<[Int32: Int64], KafkaError> = await BlockingThread.run(name: "kafka-lag") {
            Result { () throws(KafkaError) in
                var ends: [Int32: Int64] = [:]
                for partition in partitions {
                    ends[partition] = try client.highWatermark(
                        of: TopicPartition(topic: topic, partition: partition), timeoutMS: timeout.clampedMilliseconds)
                }
                return ends
            }
        }
        return try result.get()
    }

    /// Whether a broker answers a metadata request within `timeout`.
    public func brokerAnswers(timeout: Duration = .seconds(2)) async -> Bool {
        let client = client
        return await BlockingThread.run(name: "kafka-ready") { client.brokerAnswers(timeoutMS: timeout.clampedMilliseconds) }
    }

    /// Each partition's lag: its high watermark minus the next offset to consume there (0 when
    /// nothing was consumed yet), never below 0.
    public static func lag(highWatermarks: [Int32: Int64], consumed: [Int32: Int64]) -> [Int32: Int64] {
        var lag: [Int32: Int64] = [:]
        for (partition, end) in highWatermarks {
            let position = max(0, consumed[partition] ?? 0)
            lag[partition] = end > position ? end - position : 0
        }
        return lag
    }
}
