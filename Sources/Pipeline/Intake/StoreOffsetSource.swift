import Kafka
import StatusStore

/// Starts newly assigned partitions from the offsets stored with the records in the status
/// store, not from Kafka's committed offsets: the store is the source of truth.
public struct StoreOffsetSource: KafkaOffsetSource {
    public let store: any StatusStore
    public let group: String

    public init(store: any StatusStore, group: String) {
        self.store = store
        self.group = group
    }

    public func startingOffsets(topic: String, partitions: [Int32]) throws -> [Int32: Int64] {
        try store.startingOffsets(group: group, topic: topic, partitions: partitions)
    }

    /// A reset log is read again from its start, and the store's offset goes back with it;
    /// otherwise the next assignment would resume at the old offset once the new log grew
    /// past it, skipping what lies between. Dedupe by request id keeps the re-read safe.
    public func positionMoved(topic: String, partition: Int32, stored: Int64, start: KafkaPartitionStart) {
        guard start.verdict == .logReset else { return }
        // On the polling thread: a failure here is logged by the next assignment's check
        // finding the same reset again.
        try? store.moveOffset(group: group, topic: topic, partition: partition, from: stored, to: start.offset ?? 0)
    }
}
