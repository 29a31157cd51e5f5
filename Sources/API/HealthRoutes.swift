import BroadcastModel
import Hummingbird
import Logging
import StatusStore

/// `/healthz` (the process answers), `/readyz` (store and broker usable), `/metrics`.
struct HealthRoutes: Sendable {
    let store: any StatusStore
    let publishHealth: PublishHealth
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

    /// Cheap on purpose: one indexed lookup in the store, and the last produce's outcome.
    private func ready(logger: Logger) async throws -> Response {
        var problems: [String] = []
        do {
            _ = try await store.record(RequestID())
        } catch {
            logger.warning("readiness: the status store failed: \(error)")
            problems.append("the status store cannot be read")
        }
        if publishHealth.isFailing {
            problems.append("the message queue did not acknowledge the last request")
        }
        guard problems.isEmpty else {
            throw APIError(.serviceUnavailable, code: "not_ready", reason: problems.joined(separator: "; "))
        }
        return JSONBody.response(.ok, ["status": "ready"])
    }
}
