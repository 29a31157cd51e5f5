/// Says where a consumer starts reading newly assigned partitions.
///
/// Called synchronously from librdkafka's rebalance callback on the consumer's polling thread,
/// so it must not block for long. Return the next offset to read per partition; a partition
/// left out starts from the beginning of the log. A thrown error stops the consumer (its
/// `run()` throws), because reading from a guessed offset could skip or repeat work.
public protocol KafkaOffsetSource: Sendable {
    func startingOffsets(topic: String, partitions: [Int32]) throws -> [Int32: Int64]
}

/// Starts every partition at the beginning of its log (tests, tools).
public struct KafkaOffsetsFromBeginning: KafkaOffsetSource {
    public init() {}
    public func startingOffsets(topic: String, partitions: [Int32]) throws -> [Int32: Int64] { [:] }
}
