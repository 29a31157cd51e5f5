import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import StatusStore

/// The worker's operator endpoints, on `worker.host:worker.port`:
/// - `GET /healthz`: 200 while the process serves requests at all.
/// - `GET /readyz`: 200 when the store is readable, the broker answers metadata and a node
///   answered recently; 503 with the problems otherwise.
/// - `GET /metrics`: the Prometheus exposition of ``WorkerMetrics``.
///
/// With port 0 the system picks a free port; `onListening` is told which (and it is logged).
enum WorkerHealthServer {
    static func build(
        host: String, port: Int, monitoring: WorkerMonitoring, store: any StatusStore, settings: PipelineSettings,
        logger: Logger, onListening: @escaping @Sendable (Int) -> Void
    ) -> some Service {
        let router = Router()
        router.get("healthz") { _, _ in
            json(.ok, ["status": "ok"])
        }
        router.get("readyz") { _, _ in
            let problems = await monitoring.unreadiness(
                store: store, brokerTimeout: settings.brokerCheckTimeout, nodeWindow: settings.nodeAnswerWindow)
            guard problems.isEmpty else {
                return json(.serviceUnavailable, ReadinessBody(status: "not_ready", problems: problems))
            }
            return json(.ok, ReadinessBody(status: "ready", problems: []))
        }
        router.get("metrics") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: monitoring.metrics.exposition())))
        }
        let application = Application(
            router: router,
            configuration: .init(address: .hostname(host, port: port), serverName: "broadcaster-worker"),
            onServerRunning: { channel in
                let bound = channel.localAddress?.port ?? port
                logger.info(
                    "worker health server listening", metadata: ["address": "\(host):\(bound)", "paths": "/healthz /readyz /metrics"])
                onListening(bound)
            },
            logger: logger)
        return Listening(application: application, address: "\(host):\(port)")
    }

    /// Names the setting to change when the server cannot listen (typically a second worker on
    /// the same host with the same port).
    private struct Listening<Wrapped: Service>: Service {
        let application: Wrapped
        let address: String

        func run() async throws {
            do {
                try await application.run()
            } catch {
                throw WorkerStartupError(
                    "the worker's health server cannot serve on \(address) (worker.host, worker.port): \(error); give each worker on a host its own worker.port (BROADCASTER_WORKER_PORT), or 0 for a free one")
            }
        }
    }

    private struct ReadinessBody: Encodable {
        let status: String
        let problems: [String]
    }

    private static func json(_ status: HTTPResponse.Status, _ value: some Encodable) -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Encoding our own string values cannot fail; an empty object rather than a crash.
        let data = (try? encoder.encode(value)) ?? Data("{}".utf8)
        return Response(
            status: status, headers: [.contentType: "application/json; charset=utf-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }
}
