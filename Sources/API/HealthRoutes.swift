import BroadcastModel
import Hummingbird
import Kafka
import Logging
import StatusStore

/// `/healthz` (the process answers), `/readyz` (store and broker usable), `/metrics`.
struct HealthRoutes: Sendable {
    /// How long `/readyz` waits for the broker: short, so a load balancer's check never hangs.
    static let brokerTimeout: Duration = .milliseconds(1500)

    let store: any StatusStore
    let broker: BrokerProbe
    let metrics: APIMetrics

    func add(to router: Router<some RequestContext>) {
        router.get("healthz") { _, _ in
            JSONBody.response(.ok, ["status": "ok"])
        }
        router.get("readyz") { _, context in
            try await ready(logger: context.logger)
        }
        router.get("metrics") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: metrics.exposition())))
        }
    }

    /// Ready when one indexed lookup in the store works and the broker answers a metadata
    /// request for the requests topic (shared by concurrent checks, reused for a second).
    private func ready(logger: Logger) async throws -> Response {
        async let brokerAnswer = broker.check(timeout: Self.brokerTimeout)
        var problems: [String] = []
        do {
            _ = try await store.request(RequestID())
        } catch {
            logger.warning("readiness: the status store failed: \(error)")
            problems.append("the status store cannot be read")
        }
        switch await brokerAnswer {
        case .ready:
            break
        case .topicUnavailable(let reason):
            logger.warning("readiness: \(reason)")
            problems.append("the message queue has no usable topic \(broker.topic): \(reason)")
        case .unreachable(let reason):
            logger.warning("readiness: \(reason)")
            problems.append("the message queue does not answer: \(reason)")
        }
        guard problems.isEmpty else {
            throw APIError(.serviceUnavailable, code: "not_ready", reason: problems.joined(separator: "; "))
        }
        return JSONBody.response(.ok, ["status": "ready"])
    }
}
