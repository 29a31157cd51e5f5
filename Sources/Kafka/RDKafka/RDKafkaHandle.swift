import CRdKafka

/// A borrowed `rd_kafka_t`, for the calls a rebalance callback or a polling loop makes on a
/// client it does not own. Never kept beyond the `RDKafkaClient` that owns the handle.
struct RDKafkaHandle: @unchecked Sendable {
    let pointer: OpaquePointer

    /// The partition's watermarks as its leader reports them now (two ListOffsets requests);
    /// blocks up to `timeoutMS`. Tansu answers the end of a log with the base offset of its last
    /// record batch plus one, so on Tansu `high` can lag the real end by one batch.
    func queryWatermarks(of partition: TopicPartition, timeoutMS: Int32) throws(KafkaError) -> KafkaWatermarks {
        var low: Int64 = 0
        var high: Int64 = 0
        let result = rd_kafka_query_watermark_offsets(pointer, partition.topic, partition.partition, &low, &high, timeoutMS)
        guard result == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw .rdKafka(result, "could not read the watermarks of \(partition)")
        }
        return KafkaWatermarks(low: low, high: high)
    }

    /// The watermarks the last fetch response for the partition carried (exact on Tansu too);
    /// nil before the first one. Does not block. After a reassignment the value may still be
    /// the one of a fetch made before it.
    func cachedWatermarks(of partition: TopicPartition) -> KafkaWatermarks? {
        var low: Int64 = 0
        var high: Int64 = 0
        let result = rd_kafka_get_watermark_offsets(pointer, partition.topic, partition.partition, &low, &high)
        let watermarks = KafkaWatermarks(low: low, high: high)
        return result == RD_KAFKA_RESP_ERR_NO_ERROR && watermarks.isValid ? watermarks : nil
    }

    /// Moves the fetch position of assigned partitions; does not wait for the move.
    func seek(_ offsets: [TopicPartition: Int64]) throws(KafkaError) {
        guard !offsets.isEmpty else { return }
        let list = RDKafkaPartitionList.make(offsets.map { ($0.key, $0.value) })
        defer { rd_kafka_topic_partition_list_destroy(list) }
        if let error = rd_kafka_seek_partitions(pointer, list, 0) {
            throw KafkaError.consuming(error, "could not move the position of \(offsets.keys.sorted())")
        }
        for index in 0..<Int(list.pointee.cnt) {
            let element = list.pointee.elems[index]
            guard element.err != RD_KAFKA_RESP_ERR_NO_ERROR, element.err != RD_KAFKA_RESP_ERR__IN_PROGRESS else { continue }
            throw .rdKafka(element.err, "could not move the position of \(String(cString: element.topic)) [\(element.partition)]")
        }
    }
}

extension TopicPartition: Comparable, CustomStringConvertible {
    static func < (a: TopicPartition, b: TopicPartition) -> Bool {
        (a.topic, a.partition) < (b.topic, b.partition)
    }

    var description: String { "\(topic) [\(partition)]" }
}

extension RDKafkaClient {
    var borrowed: RDKafkaHandle { RDKafkaHandle(pointer: handle) }
}
