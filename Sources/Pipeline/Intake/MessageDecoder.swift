import BroadcastModel
import Foundation
import Kafka
import StatusStore

/// Reads consumed messages into what the store takes: a usable request, or none (the message
/// is then only counted as consumed, with one log line saying why).
struct MessageDecoder: Sendable {
    let signer: RequestSigner
    let group: String

    /// The message as the store takes it, and why it carries no usable request (nil if it does).
    func decode(_ message: KafkaMessage) -> (ConsumedMessage, problem: String?) {
        let position = ConsumedPosition(
            group: group, topic: message.topic, partition: message.partition, offset: message.offset)
        let request: BroadcastRequest
        do {
            request = try TopicCoding.decoder().decode(BroadcastRequest.self, from: Data(message.value))
        } catch {
            return (ConsumedMessage(request: nil, position: position), "not a broadcast request: \(Self.describe(error))")
        }
        if let problem = signer.problem(with: request) {
            return (ConsumedMessage(request: nil, position: position), "request \(request.id): \(problem)")
        }
        return (ConsumedMessage(request: request, position: position), nil)
    }

    private static func describe(_ error: any Error) -> String {
        switch error {
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
