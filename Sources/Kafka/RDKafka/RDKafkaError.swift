import CRdKafka

extension KafkaError {
    /// Wraps a librdkafka error code, classifying whether a retry may help.
    static func rdKafka(
        _ err: rd_kafka_resp_err_t, _ context: String, file: String = #fileID, line: UInt = #line
    ) -> KafkaError {
        let text = String(cString: rd_kafka_err2str(err))
        let code: KafkaError.Code
        switch err {
        case RD_KAFKA_RESP_ERR__TRANSPORT, RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN, RD_KAFKA_RESP_ERR__RESOLVE:
            code = .brokerUnreachable
        case RD_KAFKA_RESP_ERR__MSG_TIMED_OUT, RD_KAFKA_RESP_ERR__TIMED_OUT:
            code = .deliveryTimedOut
        case RD_KAFKA_RESP_ERR__QUEUE_FULL:
            code = .queueFull
        case RD_KAFKA_RESP_ERR__FATAL:
            code = .fatal
        case RD_KAFKA_RESP_ERR__PURGE_QUEUE, RD_KAFKA_RESP_ERR__PURGE_INFLIGHT, RD_KAFKA_RESP_ERR__DESTROY:
            code = .shutDown
        default:
            code = .broker
        }
        return KafkaError(
            code, "\(context): \(text)",
            // A broken producer identity heals: the producer replaces its librdkafka instance.
            isRetriable: retriableCodes.contains(err.rawValue) || identityCodes.contains(err.rawValue),
            isFatal: err == RD_KAFKA_RESP_ERR__FATAL,
            rdKafkaCode: err.rawValue, file: file, line: line)
    }

    /// Whether this failure leaves an idempotent producer unable to deliver again: its
    /// producer id or sequence numbers no longer match the broker's, or it failed fatally.
    var breaksProducerIdentity: Bool {
        if isFatal { return true }
        guard let rdKafkaCode else { return false }
        return Self.identityCodes.contains(rdKafkaCode) || rdKafkaCode == RD_KAFKA_RESP_ERR__FATAL.rawValue
    }

    /// A broker that forgot its producers (Tansu after a restart) answers with these. Fenced too:
    /// it hands out producer ids from the start again, so a fresh producer elsewhere can get the
    /// id an old one still uses, and the broker then fences the old one.
    private static let identityCodes: Set<Int32> = [
        RD_KAFKA_RESP_ERR_UNKNOWN_PRODUCER_ID, RD_KAFKA_RESP_ERR_OUT_OF_ORDER_SEQUENCE_NUMBER,
        RD_KAFKA_RESP_ERR_INVALID_PRODUCER_EPOCH, RD_KAFKA_RESP_ERR_INVALID_PRODUCER_ID_MAPPING,
        RD_KAFKA_RESP_ERR_PRODUCER_FENCED,
    ].reduce(into: []) { $0.insert($1.rawValue) }

    /// Codes after which the same request can succeed later (local transport trouble, leader
    /// moves, timeouts), following Kafka's retriable exceptions.
    private static let retriableCodes: Set<Int32> = [
        RD_KAFKA_RESP_ERR__TRANSPORT, RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN, RD_KAFKA_RESP_ERR__RESOLVE,
        RD_KAFKA_RESP_ERR__MSG_TIMED_OUT, RD_KAFKA_RESP_ERR__TIMED_OUT, RD_KAFKA_RESP_ERR__QUEUE_FULL,
        RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION, RD_KAFKA_RESP_ERR__WAIT_COORD, RD_KAFKA_RESP_ERR__RETRY,
        RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART, RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE,
        RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION, RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT,
        RD_KAFKA_RESP_ERR_NETWORK_EXCEPTION, RD_KAFKA_RESP_ERR_COORDINATOR_LOAD_IN_PROGRESS,
        RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE, RD_KAFKA_RESP_ERR_NOT_COORDINATOR,
        RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS, RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND,
        RD_KAFKA_RESP_ERR_KAFKA_STORAGE_ERROR, RD_KAFKA_RESP_ERR_REBALANCE_IN_PROGRESS,
        // Given up at shutdown: another process (or a restart) can take the request.
        RD_KAFKA_RESP_ERR__PURGE_QUEUE, RD_KAFKA_RESP_ERR__PURGE_INFLIGHT, RD_KAFKA_RESP_ERR__DESTROY,
    ].reduce(into: []) { $0.insert($1.rawValue) }

    /// Wraps an `rd_kafka_error_t`, destroying it.
    static func consuming(
        _ error: OpaquePointer, _ context: String, file: String = #fileID, line: UInt = #line
    ) -> KafkaError {
        defer { rd_kafka_error_destroy(error) }
        let base = KafkaError.rdKafka(rd_kafka_error_code(error), context, file: file, line: line)
        return KafkaError(
            base.code, "\(context): \(String(cString: rd_kafka_error_string(error)))",
            isRetriable: base.isRetriable || rd_kafka_error_is_retriable(error) != 0,
            isFatal: base.isFatal || rd_kafka_error_is_fatal(error) != 0,
            rdKafkaCode: base.rdKafkaCode, file: file, line: line)
    }
}
