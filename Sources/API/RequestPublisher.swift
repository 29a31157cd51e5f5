import BroadcastModel
import EVMPrimitives
import Foundation
import HTTPTypes
import Kafka
import Logging
import Metrics
import RequestTopic

/// Produces accepted requests to the requests topic, keyed by sender, and turns "no ack in
/// time" into a 503: the API's 200 rests on `publish` returning.
struct RequestPublisher: Sendable {
    let producer: RequestProducer
    let retryAfter: Duration
    let latency: Metrics.Timer

    init(
        sender: any AcknowledgedSender, topic: String, knownAddresses: some Sequence<Address>, retryAfter: Duration,
        latency: Metrics.Timer
    ) {
        producer = RequestProducer(sender: sender, topic: topic, knownAddresses: knownAddresses)
        self.retryAfter = retryAfter
        self.latency = latency
    }

    func publish(_ request: BroadcastRequest, logger: Logger) async throws(APIError) -> KafkaDeliveryReport {
        let started = ContinuousClock.now
        let outcome = await producer.produce(request)
        latency.recordInterval(since: started)
        switch outcome {
        case .success(let report):
            return report
        case .failure(let failure):
            logger.warning("request \(request.id) not accepted: \(failure)", metadata: ["request_id": "\(request.id)"])
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
