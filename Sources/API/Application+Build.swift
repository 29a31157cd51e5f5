import Admission
import EVMPrimitives
import BroadcasterConfig
import Foundation
import Hummingbird
import Kafka
import Logging
import RequestTopic
import ServiceLifecycle
import StatusStore

/// What the API talks to. `kafka(configuration:store:logger:)` builds the real ones.
public struct APIDependencies: Sendable {
    /// Produces to the requests topic and returns once acked.
    public var sender: any AcknowledgedSender
    public var store: any StatusStore
    /// The results topic from its end, for `Prefer: wait`; nil answers every wait at its deadline.
    public var resultsTail: KafkaTopicTail?
    /// Asks the broker about the requests topic for `/readyz`.
    public var brokerProbe: BrokerProbe
    /// Run with the application, started before the HTTP server and stopped after it (the producer).
    public var services: [any Service]
    public var metrics: APIMetrics
    public var logger: Logger
    public var now: @Sendable () -> Date

    public init(
        sender: any AcknowledgedSender, store: any StatusStore, resultsTail: KafkaTopicTail?,
        brokerProbe: BrokerProbe, services: [any Service], metrics: APIMetrics = APIMetrics(), logger: Logger,
        now: @escaping @Sendable () -> Date = Date.init
    ) {
        self.sender = sender
        self.store = store
        self.resultsTail = resultsTail
        self.brokerProbe = brokerProbe
        self.services = services
        self.metrics = metrics
        self.logger = logger
        self.now = now
    }

    /// A Kafka producer (delivery timeout = `kafka.produceTimeout`, `linger.ms` = `kafka.lingerMs`), a tail of the results topic
    /// and a probe of the requests topic.
    public static func kafka(
        configuration: BroadcasterConfiguration, store: any StatusStore, logger: Logger
    ) throws(KafkaError) -> APIDependencies {
        let producer = try KafkaProducer(
            configuration: KafkaProducerConfiguration(
                bootstrapServers: configuration.kafka.brokers, clientID: "broadcaster-api",
                deliveryTimeout: configuration.kafka.produceTimeout,
                properties: ["linger.ms": String(configuration.kafka.lingerMs)]),
            logger: logger)
        let tail = try KafkaTopicTail(bootstrapServers: configuration.kafka.brokers, topic: configuration.kafka.resultsTopic, logger: logger)
        let probe = try BrokerProbe(bootstrapServers: configuration.kafka.brokers, topic: configuration.kafka.requestsTopic, logger: logger)
        return APIDependencies(
            sender: producer, store: store, resultsTail: tail, brokerProbe: probe, services: [producer], logger: logger)
    }
}

/// Builds the API: routes, middleware, and the services it runs with. `broadcaster api` and the
/// tests call this same function (the tests with `api.port` 0).
///
/// ```swift
/// let app = try buildApplication(configuration: configuration, dependencies: .kafka(configuration: configuration, store: store, logger: logger))
/// try await app.runService()
/// ```
public func buildApplication(
    configuration: BroadcasterConfiguration, dependencies: APIDependencies
) -> some ApplicationProtocol {
    let keyCheck = APIKeyCheck(digests: configuration.api.apiKeyHashes)
    let waiters = OutcomeWaiters()
    let publisher = RequestPublisher(
        sender: dependencies.sender, topic: configuration.kafka.requestsTopic,
        knownAddresses: Array(configuration.signerAddresses.values) + configuration.messageTypes.map(\.contract),
        retryAfter: configuration.api.retryAfter,
        latency: dependencies.metrics.produceLatency)
    let broadcast = BroadcastHandler(
        configuration: configuration, admission: Admission(configuration: configuration), keyCheck: keyCheck, publisher: publisher,
        store: dependencies.store, waiters: waiters, now: dependencies.now)
    let lookup = TransactionLookup(keyCheck: keyCheck, store: dependencies.store)

    let router = Router()
    router.add(middleware: RequestMetricsMiddleware(metrics: dependencies.metrics))
    router.add(middleware: ErrorMiddleware(routes: .api))
    router.add(middleware: MethodGuardMiddleware(routes: .api))
    router.post("transaction/broadcast") { request, context in try await broadcast.handle(request, context: context) }
    router.get("transaction/:id") { request, context in try await lookup.handle(request, context: context) }
    HealthRoutes(store: dependencies.store, broker: dependencies.brokerProbe, metrics: dependencies.metrics).add(to: router)

    var services = dependencies.services
    if let tail = dependencies.resultsTail {
        services.append(ResultsListener(tail: tail, waiters: waiters, logger: dependencies.logger))
    }
    let server = APIServer(configuration.api, logger: dependencies.logger)
    return Application(
        router: router, server: server.builder, configuration: server.configuration, services: services,
        logger: dependencies.logger)
}

/// Builds the API and serves it until SIGTERM or SIGINT, then shuts down gracefully: the HTTP
/// server first, then the results tail, then the producer (which flushes what is pending).
public func runAPI(configuration: BroadcasterConfiguration, dependencies: APIDependencies) async throws {
    try await buildApplication(configuration: configuration, dependencies: dependencies).runService()
}
