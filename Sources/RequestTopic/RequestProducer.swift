import BroadcastModel
import EVMPrimitives
import Foundation
import Kafka

/// Sends a message and returns once the broker acknowledged it; `KafkaProducer` is the real one.
public protocol AcknowledgedSender: Sendable {
    func send(topic: String, key: [UInt8]?, value: [UInt8], headers: [KafkaHeader]) async throws(KafkaError) -> KafkaDeliveryReport
}

extension KafkaProducer: AcknowledgedSender {}

/// Why a request was not acknowledged by the broker. After `notAcknowledged` or `timedOut` the
/// message may still have been written: whoever produced it must say so, and a repeat must name
/// the same request id (workers take an id once).
public enum RequestProduceFailure: Error, Sendable, CustomStringConvertible {
    case cannotEncode(String)
    case notAcknowledged(KafkaError)
    /// No delivery report within the backstop bound.
    case timedOut(Duration)

    public var description: String {
        switch self {
        case .cannotEncode(let reason): "the request does not encode: \(reason)"
        case .notAcknowledged(let error): "the broker did not acknowledge it: \(error)"
        case .timedOut(let bound): "no acknowledgement within \(bound)"
        }
    }
}

/// Produces requests to the requests topic the one way every producer of it must: encoded with
/// `TopicCoding`, keyed by the checksummed sender (so one sender's requests share a partition
/// and keep their order), and returning only once the broker acknowledged the message. The
/// API's 200 and the dashboard's retry both rest on `produce` returning a report.
public struct RequestProducer: Sendable {
    public let sender: any AcknowledgedSender
    public let topic: String
    /// The producer's own delivery timeout is the same; this bound is a backstop in case a
    /// delivery report never comes, so no caller ever waits much longer than configured.
    public let timeout: Duration

    public init(sender: any AcknowledgedSender, topic: String, timeout: Duration) {
        self.sender = sender
        self.topic = topic
        self.timeout = timeout
    }

    public func produce(_ request: BroadcastRequest) async -> Result<KafkaDeliveryReport, RequestProduceFailure> {
        let payload: [UInt8]
        do {
            payload = Array(try TopicCoding.encoder().encode(request))
        } catch {
            return .failure(.cannotEncode("\(error)"))
        }
        let key = Array(request.from.checksummed.utf8)
        let outcome = await withTaskGroup(of: Result<KafkaDeliveryReport, KafkaError>?.self) { group in
            group.addTask { [sender, topic] in
                do throws(KafkaError) {
                    return .success(try await sender.send(topic: topic, key: key, value: payload, headers: []))
                } catch {
                    return .failure(error)
                }
            }
            group.addTask { [timeout] in
                try? await Task.sleep(for: timeout + .milliseconds(250))
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
        switch outcome {
        case .success(let report): return .success(report)
        case .failure(let error): return .failure(.notAcknowledged(error))
        case nil: return .failure(.timedOut(timeout))
        }
    }
}
