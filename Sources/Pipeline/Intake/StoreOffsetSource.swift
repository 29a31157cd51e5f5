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
}
