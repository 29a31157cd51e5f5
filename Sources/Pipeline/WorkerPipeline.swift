import Admission
import ChainRPC
import EVMPrimitives
import Kafka
import Logging
import ServiceLifecycle
import StatusStore

/// The worker's pipeline as one service: intake of consumed requests (dedupe, nonce, sign,
/// store, dead letters), the recovery pass and sweep, the broadcaster, the results publisher,
/// and the monitor that samples lag and store figures.
///
/// Graceful shutdown stops intake and recovery at once (what they stored but did not hand
/// over stays `signed` in the store), lets in-flight broadcasts finish for
/// `settings.drainGrace`, flushes the results buffer, and returns. Nothing accepted is lost:
/// the next start's recovery pass resumes every `signed` and `retrying` record. When intake
/// cannot go on (the store fails for good), `run` drains the same way and then throws.
///
/// ```swift
/// let pipeline = WorkerPipeline(events: consumer.events, store: store, rpc: rpc, signer: signer,
///                               admission: Admission(configuration: configuration), publisher: publisher,
///                               deadLetters: { letter in … produce, await the ack … },
///                               monitoring: monitoring, settings: settings, logger: logger)
/// let group = ServiceGroup(services: [producer, consumer, pipeline], logger: logger)
/// ```
public struct WorkerPipeline: Service {
    /// Produces one dead letter to the dead-letter topic and returns once it is acknowledged.
    public typealias DeliverDeadLetter = @Sendable (DeadLetter) async throws -> Void

    private let pump: @Sendable (EventBuffer<KafkaConsumerEvent>) async -> Void
    private let store: any StatusStore
    private let rpc: ChainRPCClient
    private let signer: RequestSigner
    private let admission: Admission
    private let publisher: ResultsPublisher
    private let deliverDeadLetter: DeliverDeadLetter
    private let monitoring: WorkerMonitoring
    private let settings: PipelineSettings
    private let logger: Logger

    public init<Events: AsyncSequence & Sendable>(
        events: Events, store: any StatusStore, rpc: ChainRPCClient, signer: RequestSigner, admission: Admission,
        publisher: ResultsPublisher, deadLetters: @escaping DeliverDeadLetter, monitoring: WorkerMonitoring,
        settings: PipelineSettings, logger: Logger
    ) where Events.Element == KafkaConsumerEvent {
        self.pump = { buffer in
            do {
                for try await event in events {
                    guard await buffer.append(event) else { break }
                }
            } catch {
                logger.error("consumer events ended with an error", metadata: ["error": "\(error)"])
            }
            await buffer.finish()
        }
        self.store = store
        self.rpc = rpc
        self.signer = signer
        self.admission = admission
        self.publisher = publisher
        self.deliverDeadLetter = deadLetters
        self.monitoring = monitoring
        self.settings = settings
        self.logger = logger
    }

    /// Runs until graceful shutdown (then drains) or cancellation; throws when intake had to stop.
    public func run() async throws {
        let metrics = monitoring.metrics
        let runner = BroadcastAttemptRunner(
            rpc: rpc, store: store, policy: settings.retry, publisher: publisher, metrics: metrics, logger: logger)
        let broadcaster = Broadcaster(
            runner: runner, maxInFlight: settings.maxInFlight, drainGrace: settings.drainGrace, metrics: metrics,
            logger: logger)
        let monitor = WorkerMonitor(
            monitoring: monitoring, store: store, rpc: rpc, topic: settings.requestsTopic, group: settings.consumerGroup,
            interval: settings.monitorInterval, nodeProbeAfter: settings.nodeProbeAfter, logger: logger)
        logger.info(
            "worker pipeline starting",
            metadata: [
                "topic": "\(settings.requestsTopic)", "group": "\(settings.consumerGroup)",
                "dead_letter_topic": "\(settings.deadLetterTopic)",
                "max_in_flight": "\(settings.maxInFlight)", "senders": "\(signer.signers.keys.map(\.description).sorted())",
            ])
        var stopped: IntakeStopped?
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await publisher.run() }
            group.addTask { await monitor.run() }
            await withTaskGroup(of: Void.self) { work in
                work.addTask { await broadcaster.run() }
                do {
                    try await cancelWhenGracefulShutdown { try await intake(into: broadcaster) }
                    logger.info("intake stopped; draining broadcasts")
                } catch {
                    stopped = error as? IntakeStopped
                    logger.critical("intake stopped; draining broadcasts, then the worker exits", metadata: ["error": "\(error)"])
                }
                broadcaster.drain()
            }
            publisher.finish()
            group.cancelAll()
        }
        logger.info("worker pipeline stopped")
        if let stopped { throw stopped }
    }

    /// Recovery and intake, until cancelled (graceful shutdown cancels them) or intake stops.
    private func intake(into broadcaster: Broadcaster) async throws {
        let buffer = EventBuffer<KafkaConsumerEvent>(capacity: max(1024, settings.intakeBatchSize * 4))
        let deadLetters = DeadLetterSender(
            deliver: deliverDeadLetter, topic: settings.deadLetterTopic, backoff: settings.deadLetterBackoff,
            metrics: monitoring.metrics, logger: logger)
        let loop = IntakeLoop(
            store: store, decoder: MessageDecoder(signer: signer, admission: admission, group: settings.consumerGroup),
            signer: signer, broadcaster: broadcaster, publisher: publisher, deadLetters: deadLetters,
            assignment: monitoring.assignment, metrics: monitoring.metrics, topic: settings.requestsTopic,
            batchSize: settings.intakeBatchSize, recoveryLimit: settings.recoveryLimit, storeRetry: settings.storeRetry,
            logger: logger)
        let reconciler = NonceReconciler(
            rpc: rpc, store: store, retryDelay: settings.reconcileRetryDelay, logger: logger)
        let sweep = RecoverySweep(
            store: store, broadcaster: broadcaster, limit: settings.recoveryLimit,
            interval: settings.sweepInterval, staleAfter: settings.staleAfter, logger: logger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await sweep.run() }
            group.addTask { await pump(buffer) }
            defer { group.cancelAll() }
            do {
                try await loop.run(buffer, reconciler: reconciler)
            } catch {
                await buffer.finish()
                throw error
            }
            await buffer.finish()
        }
    }
}
