import AdminAccess
import AdminActions
import AdminDashboard
import Admission
import ArgumentParser
import AsyncHTTPClient
import BroadcasterConfig
import ChainRPC
import Foundation
import Hummingbird
import Kafka
import Logging
import RequestTopic
import ServiceLifecycle
import StatusStore
import StoreEngines
import UnixSignals

/// `broadcaster admin`: the dashboard on `admin.host`:`admin.port`.
struct AdminCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "admin",
        abstract: "Serve the admin dashboard (pages under /admin, JSON under /admin/api).",
        discussion: """
            Reads the status store; retries produce new requests. Needs at least one user in
            admin.users (hash a password with broadcaster admin-hash-password). Listens on
            admin.host:admin.port, 127.0.0.1:8081 by default; see Config/README.md.
            """
    )

    @Option(help: "Configuration file (JSON). Default: Config/broadcaster.json if it exists.")
    var config: String?

    func run() async throws {
        LoggingSystem.bootstrap(StreamLogHandler.standardError)
        let logger = Logger(label: "broadcaster.admin")
        do {
            let configuration = try await BroadcasterConfiguration.load(
                configFile: config ?? "Config/broadcaster.json", requireFile: config != nil)
            guard !configuration.admin.users.isEmpty else {
                throw ConfigurationError(
                    key: ["admin", "users", "names"],
                    reason: "no user is configured, so nobody could log in; add one: list its name in admin.users.names and set admin.users.<name>.passwordHash to the output of broadcaster admin-hash-password and admin.users.<name>.role to viewer or operator")
            }
            let rpcConfiguration = try ChainRPCConfiguration(
                endpoints: configuration.rpc.endpoints.map { url throws(ChainRPCConfigurationError) in try RPCEndpoint(url.absoluteString) },
                callTimeout: configuration.rpc.callTimeout,
                maxConnectionsPerEndpoint: configuration.rpc.connections, batchSize: configuration.rpc.batchSize,
                batchWindow: configuration.rpc.batchWindow, connectionWait: configuration.rpc.connectionWait)
            let httpClient = HTTPClient(configuration: rpcConfiguration.httpClientConfiguration())
            do {
                try await StoreEngine.with(configuration.store, logger: logger) { store in
                    try await serve(configuration, store: store, rpc: ChainRPCClient(httpClient: httpClient, configuration: rpcConfiguration, logger: logger), logger: logger)
                }
                try await httpClient.shutdown()
            } catch {
                try? await httpClient.shutdown()
                throw error
            }
        } catch {
            logger.critical("admin stopped: \(error)")
            throw ExitCode.failure
        }
    }

    private func serve(_ configuration: BroadcasterConfiguration, store: any StatusStoreEngine, rpc: ChainRPCClient, logger: Logger) async throws {
        var broker: (any PartitionEndSource)?
        do {
            broker = BrokerEnds(probe: try KafkaLagProbe(bootstrapServers: configuration.kafka.brokers, logger: logger))
        } catch {
            logger.warning("admin: the partitions' lag will not be shown: \(error)")
        }
        let facts = BackgroundFacts(store: store, chain: NodeNonces(rpc: rpc), broker: broker, logger: logger)
        // Retries go to the requests topic the way the API sends requests: keyed by sender,
        // answered only once the broker acknowledged them.
        let producer = try KafkaProducer(
            configuration: KafkaProducerConfiguration(
                bootstrapServers: configuration.kafka.brokers, clientID: "broadcaster-admin",
                deliveryTimeout: configuration.kafka.produceTimeout),
            logger: logger)
        let desk = RetryDesk(
            store: store, chain: rpc, chainCallTimeout: configuration.rpc.callTimeout,
            admission: Admission(configuration: configuration),
            producer: RequestProducer(sender: producer, topic: configuration.kafka.requestsTopic),
            logger: logger)
        let dashboard = try AdminDashboard(
            store: store, retryActions: desk, settings: DashboardSettings(configuration: configuration), facts: facts)
        let gate = AdminGate<BasicAdminRequestContext>(settings: configuration.admin, logger: logger)
        let router = Router(context: BasicAdminRequestContext.self)
        dashboard.install(on: router, gate: gate)
        let app = Application(
            router: router,
            configuration: .init(address: .hostname(configuration.admin.host, port: configuration.admin.port), serverName: nil),
            logger: logger)
        logger.info("admin listening", metadata: ["url": "http://\(configuration.admin.host):\(configuration.admin.port)/admin"])
        let services = ServiceGroup(
            configuration: .init(
                services: [
                    .init(service: producer), .init(service: app), .init(service: BackgroundFactsService(facts: facts)),
                    .init(service: BulkRetryRunner(desk: desk, logger: logger)),
                ],
                gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await services.run()
    }
}
