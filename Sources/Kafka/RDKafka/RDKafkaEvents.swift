import CRdKafka
import Logging

/// A topic partition as librdkafka names it.
struct TopicPartition: Hashable, Sendable {
    var topic: String
    var partition: Int32
}

/// What a client's owner does when librdkafka calls back. librdkafka calls synchronously from
/// the thread that polls (or, for logs, from its own threads), so implementations must be
/// quick and thread-safe.
protocol RDKafkaEventHandler: AnyObject, Sendable {
    var logger: Logger { get }
    /// The delivery report of the message produced with per-message opaque `messageID`.
    func delivered(messageID: UInt, result: Result<KafkaDeliveryReport, KafkaError>)
    /// Partitions handed to this group member by `client`; returns each one's next offset to
    /// read (missing: from the beginning), or an error, which leaves them unassigned.
    func assigning(_ partitions: [TopicPartition], on client: RDKafkaHandle) -> Result<[TopicPartition: Int64], KafkaError>
    /// Partitions taken away from this group member.
    func revoked(_ partitions: [TopicPartition])
    /// librdkafka raised a fatal error; the client cannot continue.
    func failed(_ error: KafkaError)
}

extension RDKafkaEventHandler {
    func delivered(messageID: UInt, result: Result<KafkaDeliveryReport, KafkaError>) {}
    func assigning(_ partitions: [TopicPartition], on client: RDKafkaHandle) -> Result<[TopicPartition: Int64], KafkaError> {
        .success([:])
    }
    func revoked(_ partitions: [TopicPartition]) {}
    func failed(_ error: KafkaError) {}
}

/// Holds the handler that librdkafka's `void *opaque` points at. The client keeps it alive
/// for as long as the `rd_kafka_t` exists.
final class RDKafkaHandlerBox: Sendable {
    let handler: any RDKafkaEventHandler
    init(_ handler: any RDKafkaEventHandler) { self.handler = handler }

    static func from(_ opaque: UnsafeMutableRawPointer?) -> RDKafkaHandlerBox? {
        opaque.map { Unmanaged<RDKafkaHandlerBox>.fromOpaque($0).takeUnretainedValue() }
    }
}

/// The C callbacks; each finds its Swift handler through the configuration opaque.
enum RDKafkaCallbacks {
    static func install(on conf: OpaquePointer, box: RDKafkaHandlerBox, consumer: Bool) {
        rd_kafka_conf_set_opaque(conf, Unmanaged.passUnretained(box).toOpaque())
        rd_kafka_conf_set_log_cb(conf, log)
        rd_kafka_conf_set_error_cb(conf, error)
        if consumer {
            rd_kafka_conf_set_rebalance_cb(conf, rebalance)
        } else {
            rd_kafka_conf_set_dr_msg_cb(conf, deliveryReport)
        }
    }

    private static let deliveryReport: @convention(c) (
        OpaquePointer?, UnsafePointer<rd_kafka_message_t>?, UnsafeMutableRawPointer?
    ) -> Void = { _, message, opaque in
        guard let message, let box = RDKafkaHandlerBox.from(opaque) else { return }
        let id = UInt(bitPattern: message.pointee._private)
        let topic = message.pointee.rkt.map { String(cString: rd_kafka_topic_name($0)) } ?? ""
        let result: Result<KafkaDeliveryReport, KafkaError>
        if message.pointee.err == RD_KAFKA_RESP_ERR_NO_ERROR {
            result = .success(
                KafkaDeliveryReport(topic: topic, partition: message.pointee.partition, offset: message.pointee.offset))
        } else {
            result = .failure(.rdKafka(message.pointee.err, "message to topic \(topic) was not delivered"))
        }
        box.handler.delivered(messageID: id, result: result)
    }

    private static let rebalance: @convention(c) (
        OpaquePointer?, rd_kafka_resp_err_t, UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?,
        UnsafeMutableRawPointer?
    ) -> Void = { rk, err, list, opaque in
        guard let rk, let box = RDKafkaHandlerBox.from(opaque) else { return }
        let partitions = list.map(RDKafkaPartitionList.read) ?? []
        if err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS {
            switch box.handler.assigning(partitions, on: RDKafkaHandle(pointer: rk)) {
            case .success(let offsets):
                let positioned = RDKafkaPartitionList.make(
                    partitions.map { ($0, offsets[$0] ?? RDKafkaPartitionList.beginning) })
                defer { rd_kafka_topic_partition_list_destroy(positioned) }
                let result = rd_kafka_assign(rk, positioned)
                if result != RD_KAFKA_RESP_ERR_NO_ERROR {
                    box.handler.failed(.rdKafka(result, "could not take the assigned partitions"))
                }
            case .failure(let failure):
                rd_kafka_assign(rk, nil)
                box.handler.failed(failure)
            }
        } else {
            box.handler.revoked(partitions)
            rd_kafka_assign(rk, nil)
        }
    }

    private static let error: @convention(c) (
        OpaquePointer?, Int32, UnsafePointer<CChar>?, UnsafeMutableRawPointer?
    ) -> Void = { rk, code, reason, opaque in
        guard let box = RDKafkaHandlerBox.from(opaque) else { return }
        let err = rd_kafka_resp_err_t(rawValue: code)
        let text = reason.map { String(cString: $0) } ?? String(cString: rd_kafka_err2str(err))
        guard err == RD_KAFKA_RESP_ERR__FATAL, let rk else {
            // librdkafka retries these by itself; they matter to an operator, not to callers.
            // Connection failures are already in the log callback's output.
            if err == RD_KAFKA_RESP_ERR__TRANSPORT {
                box.handler.logger.debug("Kafka: \(text)")
            } else {
                box.handler.logger.warning("Kafka: \(text)")
            }
            return
        }
        var buffer = [CChar](repeating: 0, count: 512)
        let original = buffer.withUnsafeMutableBufferPointer { rd_kafka_fatal_error(rk, $0.baseAddress, $0.count) }
        let detail = buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        box.handler.failed(
            KafkaError(
                .fatal, "Kafka client failed for good: \(detail.isEmpty ? text : detail); restart the process",
                isFatal: true, rdKafkaCode: original.rawValue))
    }

    private static let log: @convention(c) (
        OpaquePointer?, Int32, UnsafePointer<CChar>?, UnsafePointer<CChar>?
    ) -> Void = { rk, level, facility, message in
        guard let rk, let box = RDKafkaHandlerBox.from(rd_kafka_opaque(rk)) else { return }
        let text = "librdkafka \(facility.map { String(cString: $0) } ?? ""): \(message.map { String(cString: $0) } ?? "")"
        // syslog levels 0-7; librdkafka says "error" (3) for a refused connection it will
        // retry, which is a warning to us.
        switch level {
        case ...4: box.handler.logger.warning("\(text)")
        case 5, 6: box.handler.logger.info("\(text)")
        default: box.handler.logger.debug("\(text)")
        }
    }
}
