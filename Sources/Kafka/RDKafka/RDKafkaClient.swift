import CRdKafka

/// Owns one `rd_kafka_t` (and the handler its callbacks reach) and destroys it in deinit.
///
/// librdkafka handles are thread-safe, so this wrapper may cross threads; blocking calls
/// (`consumerPoll`, `flush`, `close`, metadata) must only be made from a dedicated thread.
final class RDKafkaClient: @unchecked Sendable {
    enum Kind { case producer, consumer }

    let handle: OpaquePointer
    private let box: RDKafkaHandlerBox

    init(_ kind: Kind, properties: [String: String], handler: any RDKafkaEventHandler) throws(KafkaError) {
        let box = RDKafkaHandlerBox(handler)
        let conf = try RDKafkaConfig.make(properties)
        RDKafkaCallbacks.install(on: conf, box: box, consumer: kind == .consumer)
        var message = [CChar](repeating: 0, count: 512)
        let handle = message.withUnsafeMutableBufferPointer {
            rd_kafka_new(kind == .producer ? RD_KAFKA_PRODUCER : RD_KAFKA_CONSUMER, conf, $0.baseAddress, $0.count)
        }
        guard let handle else {
            rd_kafka_conf_destroy(conf)
            let reason = message.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
            throw KafkaError(.invalidConfiguration, "could not create the Kafka client: \(reason)")
        }
        self.handle = handle
        self.box = box
    }

    deinit {
        rd_kafka_destroy(handle)
    }

    /// Serves queued callbacks (delivery reports, errors), waiting up to `timeoutMS` for one.
    func poll(timeoutMS: Int32) {
        rd_kafka_poll(handle, timeoutMS)
    }

    /// Waits up to `timeoutMS` for every queued message to be delivered or to fail.
    func flush(timeoutMS: Int32) -> Bool {
        rd_kafka_flush(handle, timeoutMS) == RD_KAFKA_RESP_ERR_NO_ERROR
    }

    /// Messages still waiting for a delivery report.
    var outQueueLength: Int32 { rd_kafka_outq_len(handle) }

    /// Whether a broker answers a metadata request within `timeoutMS`; blocks. Asks for all
    /// topics: a request naming the producer's topics could make the broker auto-create them.
    func brokerAnswers(timeoutMS: Int32) -> Bool {
        var metadata: UnsafePointer<rd_kafka_metadata>?
        let result = rd_kafka_metadata(handle, 1, nil, &metadata, timeoutMS)
        if let metadata { rd_kafka_metadata_destroy(metadata) }
        return result == RD_KAFKA_RESP_ERR_NO_ERROR
    }

    /// Gives up on messages still queued, so their delivery reports fail at once.
    func purgeQueued() {
        rd_kafka_purge(handle, Int32(RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT))
    }

    /// Enqueues one message (librdkafka copies the bytes); `messageID` comes back in its
    /// delivery report.
    func produce(
        topic: String, key: [UInt8]?, value: [UInt8], headers: [KafkaHeader], messageID: UInt
    ) throws(KafkaError) {
        let headerList = rd_kafka_headers_new(headers.count)!
        for header in headers {
            let name = Array(header.key.utf8)
            name.withUnsafeBufferPointer { name in
                header.value.withUnsafeBytes { value in
                    _ = rd_kafka_header_add(headerList, name.baseAddress, name.count, value.baseAddress, value.count)
                }
            }
        }
        let error: OpaquePointer? = topic.withCString { topicName in
            value.withUnsafeBytes { valueBytes in
                withKey(key) { keyBytes in
                    var fields = [rd_kafka_vu_t](repeating: rd_kafka_vu_t(), count: 6)
                    fields[0].vtype = RD_KAFKA_VTYPE_TOPIC
                    fields[0].u.cstr = topicName
                    fields[1].vtype = RD_KAFKA_VTYPE_VALUE
                    fields[1].u.mem.ptr = UnsafeMutableRawPointer(mutating: valueBytes.baseAddress)
                    fields[1].u.mem.size = valueBytes.count
                    fields[2].vtype = RD_KAFKA_VTYPE_MSGFLAGS
                    fields[2].u.i = RD_KAFKA_MSG_F_COPY
                    fields[3].vtype = RD_KAFKA_VTYPE_OPAQUE
                    fields[3].u.ptr = UnsafeMutableRawPointer(bitPattern: messageID)
                    fields[4].vtype = RD_KAFKA_VTYPE_HEADERS
                    fields[4].u.headers = headerList
                    var count = 5
                    if let keyBytes {
                        fields[5].vtype = RD_KAFKA_VTYPE_KEY
                        fields[5].u.mem.ptr = UnsafeMutableRawPointer(mutating: keyBytes.baseAddress)
                        fields[5].u.mem.size = keyBytes.count
                        count = 6
                    }
                    return rd_kafka_produceva(handle, fields, count)
                }
            }
        }
        if let error {
            // On failure the headers stay ours to free.
            rd_kafka_headers_destroy(headerList)
            throw KafkaError.consuming(error, "could not enqueue a message for topic \(topic)")
        }
    }

    private func withKey<R>(_ key: [UInt8]?, _ body: (UnsafeRawBufferPointer?) -> R) -> R {
        guard let key else { return body(nil) }
        return key.withUnsafeBytes { body($0) }
    }
}
