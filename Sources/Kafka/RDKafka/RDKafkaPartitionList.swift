import CRdKafka

/// Reads and builds `rd_kafka_topic_partition_list_t`.
enum RDKafkaPartitionList {
    /// The logical offset "the oldest message the log holds".
    static let beginning = Int64(RD_KAFKA_OFFSET_BEGINNING)

    static func read(_ list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>) -> [TopicPartition] {
        let count = Int(list.pointee.cnt)
        guard count > 0, let elements = list.pointee.elems else { return [] }
        return (0..<count).map {
            TopicPartition(topic: String(cString: elements[$0].topic), partition: elements[$0].partition)
        }
    }

    /// A new list (the caller destroys it) of partitions with their offsets.
    static func make(_ entries: [(TopicPartition, Int64)]) -> UnsafeMutablePointer<rd_kafka_topic_partition_list_t> {
        let list = rd_kafka_topic_partition_list_new(Int32(entries.count))!
        for (partition, offset) in entries {
            let element = rd_kafka_topic_partition_list_add(list, partition.topic, partition.partition)!
            element.pointee.offset = offset
        }
        return list
    }
}
