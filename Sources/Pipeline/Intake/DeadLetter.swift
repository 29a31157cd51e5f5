import Kafka

/// A consumed message this worker cannot process, on its way to the dead-letter topic: the
/// original key and bytes, unchanged, with headers saying why and where it came from.
///
/// | header | value |
/// |---|---|
/// | `reason` | what is wrong with it, in words |
/// | `reason_code` | a ``DeadLetterReason`` code (`malformed`, `wrong_contract`, `unknown_retry_of`, …) |
/// | `source_topic`, `source_partition`, `source_offset` | where it was consumed |
/// | `consumer_group` | the group of the worker that refused it |
public struct DeadLetter: Sendable, Hashable {
    public var message: KafkaMessage
    public var reason: DeadLetterReason
    public var group: String

    public init(message: KafkaMessage, reason: DeadLetterReason, group: String) {
        self.message = message
        self.reason = reason
        self.group = group
    }

    /// A reason's words are the worker's own (never the request's secrets), but a decoder's
    /// may quote the message: headers stay small.
    static let maxReasonBytes = 2_000

    public var headers: [KafkaHeader] {
        [
            KafkaHeader(key: "reason", value: Array(reason.text.utf8.prefix(Self.maxReasonBytes))),
            KafkaHeader(key: "reason_code", value: Array(reason.code.utf8)),
            KafkaHeader(key: "source_topic", value: Array(message.topic.utf8)),
            KafkaHeader(key: "source_partition", value: Array(String(message.partition).utf8)),
            KafkaHeader(key: "source_offset", value: Array(String(message.offset).utf8)),
            KafkaHeader(key: "consumer_group", value: Array(group.utf8)),
        ]
    }
}

/// Why a consumed message went to the dead-letter topic: a stable code for tools and metrics,
/// and the words for an operator.
public struct DeadLetterReason: Sendable, Hashable, CustomStringConvertible {
    /// `malformed` (not a strict broadcast request), an ``Admission`` code (`unknown_message_type`,
    /// `wrong_contract`, `wrong_sender`, `selector_not_allowed`, `invalid_calldata`,
    /// `exceeds_gas_limit`, …), `no_key` (no key for its sender here), or a store refusal
    /// (`unknown_retry_of`, `unsignable`, `store_refused`).
    public var code: String
    public var text: String

    public init(code: String, text: String) {
        self.code = code
        self.text = text
    }

    public var description: String { "\(code): \(text)" }
}
