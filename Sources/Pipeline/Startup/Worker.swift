import ABI
import Admission
import Lifecycle
import AsyncHTTPClient
import BroadcastModel
import BroadcasterConfig
import ChainRPC
import EVMSigning
import Foundation
import Kafka
import Logging
import ServiceLifecycle
import UnixSignals
import StatusStore
import StoreEngines

/// `broadcaster worker`: checks everything it depends on, then runs the health server
/// (`/healthz`, `/readyz`, `/metrics` on `worker.host:worker.port`), the Kafka producer
/// (results, dead letters), the consumer (requests) and the pipeline as one service group
/// until SIGTERM/SIGINT.
///
/// ```swift
/// let configuration = try await BroadcasterConfiguration.load(configFile: "Config/broadcaster.json")
/// try await Worker.run(configuration: configuration, logger: Logger(label: "broadcaster.worker"))
/// ```
public enum Worker {

    /// Runs a worker until a graceful shutdown signal (then drains) or cancellation. Startup
    /// fails fast, with a `WorkerStartupError` naming what to fix, on a wrong librdkafka, an
    /// unopenable store, an unloadable key, or a node of another chain (or none).
    ///
    /// - Parameters:
    ///   - tune: adjusts the pipeline settings derived from `configuration` (tests shorten the waits).
    ///   - onHealthServerListening: told the port the health server listens on, once it does
    ///     (with `worker.port` 0 the system picks it).
    public static func run(
        configuration: BroadcasterConfiguration, logger: Logger,
        gracefulShutdownSignals: [UnixSignal] = [.sigterm, .sigint],
        tune: @Sendable (inout PipelineSettings) -> Void = { _ in },
        onHealthServerListening: @escaping @Sendable (Int) -> Void = { _ in }
    ) async throws {
        var settings = PipelineSettings(
            consumerGroup: configuration.kafka.consumerGroup, requestsTopic: configuration.kafka.requestsTopic,
            lifecycle: LifecyclePolicy(configuration: configuration), maxInFlight: configuration.worker.maxInFlight,
            intakeBatchSize: configuration.worker.intakeBatchSize)
        settings.deadLetterTopic = configuration.kafka.deadLetterTopic
        settings.leaseLength = configuration.worker.leaseLength
        settings.nonceReadAhead = configuration.worker.nonceReadAhead
        settings.maxUnsent = configuration.worker.maxUnsent
        settings.pollInterval = configuration.tracking.pollInterval
        tune(&settings)
        do {
            try LibRdKafka.requireVersion(atLeast: LibRdKafka.requiredVersion)
        } catch {
            throw WorkerStartupError("\(error)")
        }
        let signers = try StartupChecks.loadSigners(configuration.signers, addresses: configuration.signerAddresses)
        let rpcConfiguration: ChainRPCConfiguration
        do {
            rpcConfiguration = try ChainRPCConfiguration(
                endpoints: configuration.rpc.endpoints.map { url throws(ChainRPCConfigurationError) in try RPCEndpoint(url.absoluteString) },
                callTimeout: configuration.rpc.callTimeout,
                maxConnectionsPerEndpoint: configuration.rpc.connections, batchSize: configuration.rpc.batchSize,
                batchWindow: configuration.rpc.batchWindow, connectionWait: configuration.rpc.connectionWait)
        } catch {
            throw WorkerStartupError("rpc.endpoints: \(error)")
        }
        let probe: KafkaLagProbe
        do {
            probe = try KafkaLagProbe(bootstrapServers: configuration.kafka.brokers, logger: logger)
        } catch {
            throw WorkerStartupError("kafka.brokers: \(error)")
        }
        let metrics = WorkerMetrics()
        let monitoring = WorkerMonitoring(metrics: metrics, nodeWatch: NodeWatch(metrics: metrics), probe: probe)
        let httpClient = HTTPClient(configuration: rpcConfiguration.httpClientConfiguration())
        do {
            let rpc = ChainRPCClient(
                httpClient: httpClient, configuration: rpcConfiguration, logger: logger, observer: monitoring.nodeWatch)
            try await StartupChecks.requireChainID(
                configuration.rpc.chainID, from: rpc, attempts: settings.chainCheckAttempts,
                delay: settings.chainCheckDelay, logger: logger)
            try await StoreEngine.with(configuration.store, logger: logger) { store in
                try await runServices(
                    configuration: configuration, settings: settings, store: store, rpc: rpc, signers: signers,
                    monitoring: monitoring, gracefulShutdownSignals: gracefulShutdownSignals,
                    onHealthServerListening: onHealthServerListening, logger: logger)
            }
            try await httpClient.shutdown()
        } catch {
            try? await httpClient.shutdown()
            throw error
        }
    }

    private static func runServices(
        configuration: BroadcasterConfiguration, settings: PipelineSettings, store: any StatusStoreEngine, rpc: ChainRPCClient,
        signers: [Signer], monitoring: WorkerMonitoring, gracefulShutdownSignals: [UnixSignal],
        onHealthServerListening: @escaping @Sendable (Int) -> Void, logger: Logger
    ) async throws {
        let kafka = configuration.kafka
        let producer = try KafkaProducer(
            configuration: KafkaProducerConfiguration(
                bootstrapServers: kafka.brokers, clientID: "broadcaster-worker", deliveryTimeout: kafka.produceTimeout),
            logger: logger)
        let consumer = try KafkaConsumer(
            configuration: KafkaConsumerConfiguration(
                bootstrapServers: kafka.brokers, groupID: kafka.consumerGroup, topics: [kafka.requestsTopic],
                sessionTimeout: kafka.sessionTimeout, clientID: "broadcaster-worker"),
            offsetSource: StoreOffsetSource(store: store, group: kafka.consumerGroup),
            logger: logger)
        let resultsTopic = kafka.resultsTopic
        let signer = VersionSigner(
            chainID: configuration.rpc.chainID, signers: signers,
            gasLimits: Dictionary(
                configuration.messageTypes.map { ($0.signature.canonical, $0.gasLimit) }, uniquingKeysWith: { first, _ in first }))
        let deadLetterTopic = settings.deadLetterTopic
        let pipeline = WorkerPipeline(
            events: consumer.events, store: store, rpc: rpc, signer: signer,
            admission: Admission(configuration: configuration),
            results: { event in
                _ = try await producer.send(topic: resultsTopic, key: Array(event.id.description.utf8), value: event.topicBytes)
            },
            deadLetters: { letter in
                _ = try await producer.send(
                    topic: deadLetterTopic, key: letter.message.key, value: letter.message.value, headers: letter.headers)
            },
            monitoring: monitoring, settings: settings, logger: logger)
        let healthServer = WorkerHealthServer.build(
            host: configuration.worker.host, port: configuration.worker.port, monitoring: monitoring, store: store,
            settings: settings, logger: logger, onListening: onHealthServerListening)

        // Shut down in reverse: the pipeline drains (still producing results and dead
        // letters), then the consumer leaves the group, then the producer flushes, and the
        // health server answers until the end.
        var groupConfiguration = ServiceGroupConfiguration(
            services: [
                .init(service: healthServer), .init(service: producer), .init(service: consumer),
                // A pipeline that stopped on a store failure has drained already; the rest
                // still shut down in order, so the producer flushes what the pipeline produced.
                .init(service: pipeline, failureTerminationBehavior: .gracefullyShutdownGroup),
            ],
            gracefulShutdownSignals: gracefulShutdownSignals, cancellationSignals: [], logger: logger)
        groupConfiguration.maximumGracefulShutdownDuration = settings.drainGrace + kafka.produceTimeout + .seconds(10)
        try await ServiceGroup(configuration: groupConfiguration).run()
    }
}
