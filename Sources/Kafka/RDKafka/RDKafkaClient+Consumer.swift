import CRdKafka

extension RDKafkaClient {
    /// What one `consumerPoll` call produced.
    enum PollResult {
        case none
        case message(KafkaMessage)
        case error(KafkaError)
        /// The broker no longer holds `offset` of `partition` (`auto.offset.reset=error`), so
        /// fetching it stopped until the owner seeks.
        case offsetOutOfRange(TopicPartition, offset: Int64)
    }

    /// Routes the main queue (errors, logs) to the consumer queue, so one poll serves all.
    func redirectMainQueueToConsumer() {
        rd_kafka_poll_set_consumer(handle)
    }

    func subscribe(to topics: [String]) throws(KafkaError) {
        let list = RDKafkaPartitionList.make(
            topics.map { (TopicPartition(topic: $0, partition: RD_KAFKA_PARTITION_UA), 0) })
        defer { rd_kafka_topic_partition_list_destroy(list) }
        let result = rd_kafka_subscribe(handle, list)
        guard result == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw .rdKafka(result, "could not subscribe to \(topics.joined(separator: ", "))")
        }
    }

    /// Takes exactly these partitions, each from the given offset (no consumer group).
    func assign(_ offsets: [TopicPartition: Int64]) throws(KafkaError) {
        let list = RDKafkaPartitionList.make(offsets.map { ($0.key, $0.value) })
        defer { rd_kafka_topic_partition_list_destroy(list) }
        let result = rd_kafka_assign(handle, list)
        guard result == RD_KAFKA_RESP_ERR_NO_ERROR else { throw .rdKafka(result, "could not assign partitions") }
    }

    /// Blocks up to `timeoutMS` for the next message, serving rebalance and error callbacks.
    func consumerPoll(timeoutMS: Int32) -> PollResult {
        guard let message = rd_kafka_consumer_poll(handle, timeoutMS) else { return .none }
        defer { rd_kafka_message_destroy(message) }
        let topic = message.pointee.rkt.map { String(cString: rd_kafka_topic_name($0)) } ?? ""
        if message.pointee.err == RD_KAFKA_RESP_ERR__AUTO_OFFSET_RESET, !topic.isEmpty {
            return .offsetOutOfRange(
                TopicPartition(topic: topic, partition: message.pointee.partition), offset: message.pointee.offset)
        }
        guard message.pointee.err == RD_KAFKA_RESP_ERR_NO_ERROR else {
            let context = topic.isEmpty ? "Kafka consumer" : "reading \(topic) [\(message.pointee.partition)]"
            return .error(.rdKafka(message.pointee.err, context))
        }
        return .message(
            KafkaMessage(
                topic: topic,
                partition: message.pointee.partition,
                offset: message.pointee.offset,
                key: bytes(message.pointee.key, message.pointee.key_len),
                value: bytes(message.pointee.payload, message.pointee.len) ?? [],
                headers: headers(of: message)))
    }

    private func bytes(_ pointer: UnsafeMutableRawPointer?, _ count: Int) -> [UInt8]? {
        guard let pointer else { return nil }
        return Array(UnsafeRawBufferPointer(start: pointer, count: count))
    }

    private func headers(of message: UnsafeMutablePointer<rd_kafka_message_t>) -> [KafkaHeader] {
        var list: OpaquePointer?
        guard rd_kafka_message_headers(message, &list) == RD_KAFKA_RESP_ERR_NO_ERROR, let list else { return [] }
        var result: [KafkaHeader] = []
        var index = 0
        var name: UnsafePointer<CChar>?
        var value: UnsafeRawPointer?
        var size = 0
        while rd_kafka_header_get_all(list, index, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR {
            let bytes = value.map { Array(UnsafeRawBufferPointer(start: $0, count: size)) } ?? []
            result.append(KafkaHeader(key: name.map { String(cString: $0) } ?? "", value: bytes))
            index += 1
        }
        return result
    }

    /// Pauses or resumes fetching for every partition currently assigned.
    func setAssignmentPaused(_ paused: Bool) {
        var list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?
        guard rd_kafka_assignment(handle, &list) == RD_KAFKA_RESP_ERR_NO_ERROR, let list else { return }
        defer { rd_kafka_topic_partition_list_destroy(list) }
        if paused {
            rd_kafka_pause_partitions(handle, list)
        } else {
            rd_kafka_resume_partitions(handle, list)
        }
    }

    /// Commits next offsets to Kafka without waiting (for lag monitoring only).
    func commitAsync(_ offsets: [TopicPartition: Int64]) throws(KafkaError) {
        let list = RDKafkaPartitionList.make(offsets.map { ($0.key, $0.value) })
        defer { rd_kafka_topic_partition_list_destroy(list) }
        let result = rd_kafka_commit(handle, list, 1)
        guard result == RD_KAFKA_RESP_ERR_NO_ERROR else { throw .rdKafka(result, "could not commit offsets") }
    }

    /// Leaves the consumer group (serving the final revoke); blocks.
    func closeConsumer() {
        rd_kafka_consumer_close(handle)
    }

    /// The partitions of `topic`, from broker metadata; blocks up to `timeoutMS`.
    func partitions(of topic: String, timeoutMS: Int32) throws(KafkaError) -> [Int32] {
        let topicHandle = rd_kafka_topic_new(handle, topic, nil)
        defer { if let topicHandle { rd_kafka_topic_destroy(topicHandle) } }
        var metadata: UnsafePointer<rd_kafka_metadata>?
        let result = rd_kafka_metadata(handle, 0, topicHandle, &metadata, timeoutMS)
        guard result == RD_KAFKA_RESP_ERR_NO_ERROR, let metadata else {
            throw .rdKafka(result, "could not read the metadata of topic \(topic)")
        }
        defer { rd_kafka_metadata_destroy(metadata) }
        guard metadata.pointee.topic_cnt > 0, let topics = metadata.pointee.topics else { return [] }
        let described = topics[0]
        guard described.err == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw .rdKafka(described.err, "topic \(topic) is not available")
        }
        return (0..<Int(described.partition_cnt)).map { described.partitions[$0].id }
    }
}
