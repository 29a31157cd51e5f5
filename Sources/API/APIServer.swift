import BroadcasterConfig
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore

/// The HTTP server as the API runs it: where it listens, how many connections it serves at
/// once (`ConnectionCapacity`), and the connection guard's deadlines (`GuardedHTTP1Channel`).
struct APIServer {
    let builder: HTTPServerBuilder
    let configuration: ApplicationConfiguration

    init(_ api: APISettings, logger: Logger) {
        let capacity = ConnectionCapacity(configured: api.maxConnections, fileLimit: ConnectionCapacity.currentFileLimit())
        if let warning = capacity.warning { logger.warning("\(warning)") }
        let limits = ConnectionDeadlines.Limits(
            idle: TimeAmount(api.idleTimeout), head: TimeAmount(api.headerTimeout), body: TimeAmount(api.bodyTimeout))
        builder = .guardedHTTP1(limits: limits)
        configuration = ApplicationConfiguration(
            address: .hostname(api.host, port: api.port), serverName: "broadcaster",
            availableConnectionsDelegate: MaximumAvailableConnections(capacity.effective, logger: logger))
    }
}
