/// Says where a consumer starts reading newly assigned partitions.
///
/// Called synchronously from librdkafka's rebalance callback on the consumer's polling thread,
/// so it must not block for long. Return the next offset to read per partition; a partition
/// left out starts from the beginning of the log. A thrown error stops the consumer (its
/// `run()` throws), because reading from a guessed offset could skip or repeat work.
///
/// The consumer checks each returned offset against the partition's log before using it (see
/// `KafkaPartitionStart`) and calls `positionMoved` when the log no longer holds it.
public protocol KafkaOffsetSource: Sendable {
    func startingOffsets(topic: String, partitions: [Int32]) throws -> [Int32: Int64]

    /// The consumer reads `partition` from `start.offset` (nil: the beginning), not from
    /// `stored`, because the log was reset or retention deleted what lay there
    /// (`start.verdict`). Called on the polling thread before the partition's messages arrive.
    ///
    /// A source whose offsets only move forward must let this partition's go back to where
    /// reading now starts: otherwise, once the new log grows past `stored`, the next assignment
    /// resumes at `stored` and skips every message between what was read and `stored`.
    /// The default does nothing.
    func positionMoved(topic: String, partition: Int32, stored: Int64, start: KafkaPartitionStart)
}

extension KafkaOffsetSource {
    public func positionMoved(topic: String, partition: Int32, stored: Int64, start: KafkaPartitionStart) {}
}

/// Starts every partition at the beginning of its log (tests, tools).
public struct KafkaOffsetsFromBeginning: KafkaOffsetSource {
    public init() {}
    public func startingOffsets(topic: String, partitions: [Int32]) throws -> [Int32: Int64] { [:] }
}
