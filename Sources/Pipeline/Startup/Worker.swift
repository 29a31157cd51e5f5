import ABI
import Admission
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

/// `broadcaster worker`: checks everything it depends on, then runs the Kafka producer (results),
/// the consumer (requests) and the pipeline as one service group until SIGTERM/SIGINT.
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
    /// - Parameter tune: adjusts the pipeline settings derived from `configuration` (tests
    ///   shorten the waits).
    public static func run(
        configuration: BroadcasterConfiguration, logger: Logger,
        gracefulShutdownSignals: [UnixSignal] = [.sigterm, .sigint],
        tune: @Sendable (inout PipelineSettings) -> Void = { _ in }
    ) async throws {
        var settings = PipelineSettings(
            consumerGroup: configuration.kafka.consumerGroup, requestsTopic: configuration.kafka.requestsTopic,
            retry: configuration.retry, maxInFlight: configuration.worker.maxInFlight,
            intakeBatchSize: configuration.worker.intakeBatchSize)
        tune(&settings)
        do {
            try LibRdKafka.requireVersion(atLeast: LibRdKafka.requiredVersion)
        } catch {
            throw WorkerStartupError("\(error)")
        }
        let store: SQLiteStatusStore
        do {
            store = try SQLiteStatusStore(path: configuration.store.path, busyTimeout: configuration.store.busyTimeout)
        } catch {
            throw WorkerStartupError("\(error)")
        }
        let signers = try StartupChecks.loadSigners(configuration.signers, addresses: configuration.signerAddresses)
        let rpcConfiguration: ChainRPCConfiguration
        do {
            rpcConfiguration = try ChainRPCConfiguration(
                endpoints: configuration.rpc.endpoints.map { url throws(ChainRPCConfigurationError) in try RPCEndpoint(url.absoluteString) },
                callTimeout: configuration.rpc.callTimeout)
        } catch {
            throw WorkerStartupError("rpc.endpoints: \(error)")
        }
        let httpClient = HTTPClient(configuration: rpcConfiguration.httpClientConfiguration())
        do {
            let rpc = ChainRPCClient(httpClient: httpClient, configuration: rpcConfiguration, logger: logger)
            try await StartupChecks.requireChainID(
                configuration.rpc.chainID, from: rpc, attempts: settings.chainCheckAttempts,
                delay: settings.chainCheckDelay, logger: logger)
            try await runServices(
                configuration: configuration, settings: settings, store: store, rpc: rpc, signers: signers,
                gracefulShutdownSignals: gracefulShutdownSignals, logger: logger)
            try await httpClient.shutdown()
        } catch {
            try? await httpClient.shutdown()
            throw error
        }
    }

    private static func runServices(
        configuration: BroadcasterConfiguration, settings: PipelineSettings, store: SQLiteStatusStore, rpc: ChainRPCClient,
        signers: [Signer], gracefulShutdownSignals: [UnixSignal], logger: Logger
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
        let publisher = ResultsPublisher(logger: logger) { event in
            let value = try TopicCoding.encoder().encode(event)
            _ = try await producer.send(topic: resultsTopic, key: Array(event.id.description.utf8), value: Array(value))
        }
        let signer = RequestSigner(
            chainID: configuration.rpc.chainID, maxFeePerGas: configuration.fees.maxFeePerGas,
            maxPriorityFeePerGas: configuration.fees.maxPriorityFeePerGas, signers: signers,
            gasLimits: Dictionary(
                configuration.messageTypes.map { ($0.signature.canonical, $0.gasLimit) }, uniquingKeysWith: { first, _ in first }))
        let pipeline = WorkerPipeline(
            events: consumer.events, store: store, rpc: rpc, signer: signer,
            admission: Admission(configuration: configuration), publisher: publisher,
            settings: settings, logger: logger)

        // Shut down in reverse: the pipeline drains (still producing results), then the
        // consumer leaves the group, then the producer flushes.
        var groupConfiguration = ServiceGroupConfiguration(
            services: [.init(service: producer), .init(service: consumer), .init(service: pipeline)],
            gracefulShutdownSignals: gracefulShutdownSignals, cancellationSignals: [], logger: logger)
        groupConfiguration.maximumGracefulShutdownDuration = settings.drainGrace + kafka.produceTimeout + .seconds(10)
        try await ServiceGroup(configuration: groupConfiguration).run()
    }
}
