import CRdKafka

extension RDKafkaClient {
    /// Creates a topic unless it exists; blocks up to `timeoutMS`.
    func createTopic(_ name: String, partitions: Int32, replicationFactor: Int32, timeoutMS: Int32) throws(KafkaError) {
        var message = [CChar](repeating: 0, count: 512)
        guard
            let newTopic = message.withUnsafeMutableBufferPointer({
                rd_kafka_NewTopic_new(name, partitions, replicationFactor, $0.baseAddress, $0.count)
            })
        else {
            let reason = message.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
            throw KafkaError(.invalidConfiguration, "cannot describe topic \(name): \(reason)")
        }
        defer { rd_kafka_NewTopic_destroy(newTopic) }
        let queue = rd_kafka_queue_new(handle)
        defer { rd_kafka_queue_destroy(queue) }
        let options = rd_kafka_AdminOptions_new(handle, RD_KAFKA_ADMIN_OP_CREATETOPICS)
        defer { rd_kafka_AdminOptions_destroy(options) }
        _ = message.withUnsafeMutableBufferPointer {
            rd_kafka_AdminOptions_set_request_timeout(options, timeoutMS, $0.baseAddress, $0.count)
        }
        var topics: [OpaquePointer?] = [newTopic]
        rd_kafka_CreateTopics(handle, &topics, 1, options, queue)

        guard let event = rd_kafka_queue_poll(queue, timeoutMS &+ 1000) else {
            throw KafkaError(.deliveryTimedOut, "creating topic \(name) got no answer within \(timeoutMS) ms", isRetriable: true)
        }
        defer { rd_kafka_event_destroy(event) }
        let eventError = rd_kafka_event_error(event)
        guard eventError == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw .rdKafka(eventError, "creating topic \(name) failed: \(String(cString: rd_kafka_event_error_string(event)))")
        }
        var count = 0
        guard let result = rd_kafka_event_CreateTopics_result(event),
            let results = rd_kafka_CreateTopics_result_topics(result, &count)
        else { return }
        for index in 0..<count {
            guard let topicResult = results[index] else { continue }
            let error = rd_kafka_topic_result_error(topicResult)
            guard error != RD_KAFKA_RESP_ERR_NO_ERROR, error != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS else { continue }
            let detail = rd_kafka_topic_result_error_string(topicResult).map { String(cString: $0) } ?? ""
            throw .rdKafka(error, "creating topic \(name) failed\(detail.isEmpty ? "" : " (\(detail))")")
        }
    }
}
