import BroadcastModel
import EVMPrimitives
import Foundation
import HTTPTypes
import Kafka
import Logging
import Metrics

/// Sends a message and returns once the broker acknowledged it; `KafkaProducer` is the real one.
public protocol AcknowledgedSender: Sendable {
    func send(topic: String, key: [UInt8]?, value: [UInt8], headers: [KafkaHeader]) async throws(KafkaError) -> KafkaDeliveryReport
}

extension KafkaProducer: AcknowledgedSender {}

/// Produces accepted requests to the requests topic, keyed by sender, and turns "no ack in
/// time" into a 503: the API's 200 rests on `publish` returning.
struct RequestPublisher: Sendable {
    let sender: any AcknowledgedSender
    let topic: String
    /// The producer's own delivery timeout is the same; this bound is a backstop in case a
    /// delivery report never comes, so no caller ever waits much longer than configured.
    let timeout: Duration
    let retryAfter: Duration
    let latency: Metrics.Timer

    func publish(_ request: BroadcastRequest, logger: Logger) async throws(APIError) -> KafkaDeliveryReport {
        let payload: [UInt8]
        do {
            payload = Array(try TopicCoding.encoder().encode(request))
        } catch {
            logger.error("cannot encode request \(request.id): \(error)", metadata: ["request_id": "\(request.id)"])
            throw APIError(.internalServerError, code: "internal", reason: "the server failed to encode the request")
        }
        let started = ContinuousClock.now
        let outcome = await withTaskGroup(of: Result<KafkaDeliveryReport, KafkaError>?.self) { group in
            group.addTask { [sender, topic] in
                do throws(KafkaError) {
                    return .success(try await sender.send(topic: topic, key: Array(request.from.checksummed.utf8), value: payload, headers: []))
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
        latency.recordInterval(since: started)
        switch outcome {
        case .success(let report):
            return report
        case .failure(let error):
            logger.warning("request \(request.id) not accepted: the broker did not acknowledge it: \(error)", metadata: ["request_id": "\(request.id)"])
            throw unavailable(request.id)
        case nil:
            logger.warning("request \(request.id) not accepted: no acknowledgement within \(timeout)", metadata: ["request_id": "\(request.id)"])
            throw unavailable(request.id)
        }
    }

    /// A message whose delivery timed out may still have been written by the broker, so the
    /// answer says so: a retry with the same `Idempotency-Key` names the same request id, which
    /// workers take once; a retry without one may become a second transaction.
    private func unavailable(_ id: RequestID) -> APIError {
        let seconds = Int(clamping: retryAfter.components.seconds)
        return APIError(
            .serviceUnavailable, code: "not_acknowledged",
            reason: "the message queue did not acknowledge request \(id) in time, so it may or may not be queued (GET /transaction/\(id) shows it once a worker took it). Retry after \(seconds) s: with the same Idempotency-Key as this request the retry is safe (it names the same request, broadcast at most once); without a key a retry may be broadcast twice",
            headers: [.retryAfter: String(seconds)])
    }
}

extension Metrics.Timer {
    func recordInterval(since start: ContinuousClock.Instant) {
        let elapsed = ContinuousClock.now - start
        let (seconds, attoseconds) = elapsed.components
        recordNanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
