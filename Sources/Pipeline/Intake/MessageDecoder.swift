import Admission
import BroadcastModel
import Foundation
import Kafka
import StatusStore
import StrictJSON

/// Reads consumed messages into what the store takes: a usable request, or none and the reason
/// the message goes to the dead-letter topic instead.
///
/// Nothing on the topic is trusted: the JSON must be strict (no duplicate or unknown keys,
/// nothing trailing), and the request must pass this worker's own ``Admission`` (its message
/// type, contract, sender, selector and gas limit) and name a sender this worker holds a key for.
struct MessageDecoder: Sendable {
    let signer: RequestSigner
    let admission: Admission
    let group: String

    private static let fields: Set<String> = ["id", "message_type", "function", "data", "to", "from", "accepted_at", "retry_of"]

    /// The message as the store takes it, and why it carries no usable request (nil if it does).
    func decode(_ message: KafkaMessage) -> (ConsumedMessage, problem: DeadLetterReason?) {
        let position = ConsumedPosition(
            group: group, topic: message.topic, partition: message.partition, offset: message.offset)
        let unusable = ConsumedMessage(request: nil, position: position)
        let request: BroadcastRequest
        do {
            request = try StrictDecoding.decode(
                BroadcastRequest.self, from: message.value, allowedKeys: Self.fields, using: TopicCoding.decoder())
        } catch {
            return (unusable, DeadLetterReason(code: "malformed", text: "not a broadcast request: \(Self.describe(error))"))
        }
        do {
            try admission.recheck(request)
        } catch {
            return (unusable, DeadLetterReason(code: error.code.name, text: "request \(request.id): \(error.reason)"))
        }
        if let problem = signer.problem(with: request) {
            return (unusable, DeadLetterReason(code: "no_key", text: "request \(request.id): \(problem)"))
        }
        return (ConsumedMessage(request: request, position: position), nil)
    }

    private static func describe(_ error: any Error) -> String {
        switch error {
        case let error as StrictJSONError:
            return "\(error)"
        case let error as JSONFieldError:
            return error.reason
        case DecodingError.dataCorrupted(let context):
            return context.debugDescription
        case DecodingError.keyNotFound(let key, _):
            return "field \(key.stringValue) is missing"
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context):
            return "field \(context.codingPath.map(\.stringValue).joined(separator: ".")): \(context.debugDescription)"
        default:
            return "\(error)"
        }
    }
}
