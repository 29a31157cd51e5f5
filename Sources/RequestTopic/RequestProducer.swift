import BroadcastModel
import EVMPrimitives
import Foundation
import Kafka

/// Sends a message and returns once the broker acknowledged it, or fails; never waits much past
/// its delivery timeout. `KafkaProducer` is the real one.
public protocol AcknowledgedSender: Sendable {
    func send(topic: String, key: [UInt8]?, value: [UInt8], headers: [KafkaHeader]) async throws(KafkaError) -> KafkaDeliveryReport
}

extension KafkaProducer: AcknowledgedSender {}

/// Why a request was not acknowledged by the broker. After `notAcknowledged` the message may
/// still have been written: whoever produced it must say so, and a repeat must name the same
/// request id (workers take an id once).
public enum RequestProduceFailure: Error, Sendable, CustomStringConvertible {
    case notAcknowledged(KafkaError)

    public var description: String {
        switch self {
        case .notAcknowledged(let error): "the broker did not acknowledge it: \(error)"
        }
    }
}

/// Produces requests to the requests topic the one way every producer of it must: encoded as
/// `TopicCoding` encodes them (`RequestEncoding`), keyed by the checksummed sender (so one sender's requests share a partition
/// and keep their order), and returning only once the broker acknowledged the message. The
/// API's 200 and the dashboard's retry both rest on `produce` returning a report.
///
/// `produce` never waits much longer than the sender's delivery timeout: `KafkaProducer` fails
/// a send at `message.timeout.ms`, and its polling thread fails any send still without a report
/// shortly after (one deadline queue for all sends, no timer per send).
public struct RequestProducer: Sendable {
    public let sender: any AcknowledgedSender
    public let topic: String
    private let encoding: RequestEncoding

    /// - Parameter knownAddresses: the configured senders and contracts, whose checksummed
    ///   texts are then computed once instead of per request.
    public init(sender: any AcknowledgedSender, topic: String, knownAddresses: some Sequence<Address> = []) {
        self.sender = sender
        self.topic = topic
        self.encoding = RequestEncoding(knownAddresses: knownAddresses)
    }

    public func produce(_ request: BroadcastRequest) async -> Result<KafkaDeliveryReport, RequestProduceFailure> {
        let payload = encoding.value(of: request)
        let key = encoding.key(of: request)
        do throws(KafkaError) {
            return .success(try await sender.send(topic: topic, key: key, value: payload, headers: []))
        } catch {
            return .failure(.notAcknowledged(error))
        }
    }
}
