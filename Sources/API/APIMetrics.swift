import CoreMetrics
import Hummingbird
import Metrics
import Prometheus

/// The API's Prometheus metrics, kept in their own registry so every app (and every test) has its own.
public struct APIMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    let factory: PrometheusMetricsFactory

    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        self.factory = PrometheusMetricsFactory(registry: registry)
    }

    /// `broadcaster_api_produce_duration_seconds`: from produce to ack (or to giving up).
    var produceLatency: Metrics.Timer {
        Metrics.Timer(label: "broadcaster_api_produce_duration_seconds", dimensions: [], factory: factory)
    }

    /// `broadcaster_api_requests_total{route, method, status}`.
    func countRequest(route: String, method: String, status: Int) {
        Counter(label: "broadcaster_api_requests_total",
                dimensions: [("route", route), ("method", method), ("status", String(status))], factory: factory)
            .increment()
    }

    /// The Prometheus text exposition of everything recorded.
    func exposition() -> [UInt8] {
        registry.emitToBuffer()
    }
}

/// Counts every answer by route template, method and status, errors included.
struct RequestMetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    let metrics: APIMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            let response = try await next(request, context)
            metrics.countRequest(route: context.endpointPath ?? "unmatched", method: request.method.rawValue, status: response.status.code)
            return response
        } catch {
            let status = (error as? any HTTPResponseError)?.status.code ?? 500
            metrics.countRequest(route: context.endpointPath ?? "unmatched", method: request.method.rawValue, status: status)
            throw error
        }
    }
}
