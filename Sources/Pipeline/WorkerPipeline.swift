import Admission
import ChainRPC
import EVMPrimitives
import Kafka
import Logging
import ServiceLifecycle
import StatusStore

/// The worker's pipeline as one service: intake of consumed requests (dedupe, nonce, sign,
/// store), the recovery pass and sweep, the broadcaster, and the results publisher.
///
/// Graceful shutdown stops intake and recovery at once (what they stored but did not hand
/// over stays `signed` in the store), lets in-flight broadcasts finish for
/// `settings.drainGrace`, flushes the results buffer, and returns. Nothing accepted is lost:
/// the next start's recovery pass resumes every `signed` and `retrying` record.
///
/// ```swift
/// let pipeline = WorkerPipeline(events: consumer.events, store: store, rpc: rpc, signer: signer,
///                               admission: Admission(configuration: configuration),
///                               publisher: publisher, settings: settings, logger: logger)
/// let group = ServiceGroup(services: [producer, consumer, pipeline], logger: logger)
/// ```
public struct WorkerPipeline: Service {
    private let pump: @Sendable (EventBuffer<KafkaConsumerEvent>) async -> Void
    private let store: any StatusStore
    private let rpc: ChainRPCClient
    private let signer: RequestSigner
    private let admission: Admission
    private let publisher: ResultsPublisher
    private let settings: PipelineSettings
    private let logger: Logger

    public init<Events: AsyncSequence & Sendable>(
        events: Events, store: any StatusStore, rpc: ChainRPCClient, signer: RequestSigner, admission: Admission,
        publisher: ResultsPublisher, settings: PipelineSettings, logger: Logger
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
        self.settings = settings
        self.logger = logger
    }

    /// Runs until graceful shutdown (then drains) or cancellation.
    public func run() async throws {
        let runner = BroadcastAttemptRunner(
            rpc: rpc, store: store, policy: settings.retry, publisher: publisher, logger: logger)
        let broadcaster = Broadcaster(
            runner: runner, maxInFlight: settings.maxInFlight, drainGrace: settings.drainGrace, logger: logger)
        logger.info(
            "worker pipeline starting",
            metadata: [
                "topic": "\(settings.requestsTopic)", "group": "\(settings.consumerGroup)",
                "max_in_flight": "\(settings.maxInFlight)", "senders": "\(signer.signers.keys.map(\.description).sorted())",
            ])
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await publisher.run() }
            await withTaskGroup(of: Void.self) { work in
                work.addTask { await broadcaster.run() }
                await cancelWhenGracefulShutdown { await intake(into: broadcaster) }
                logger.info("intake stopped; draining broadcasts")
                broadcaster.drain()
            }
            publisher.finish()
        }
        logger.info("worker pipeline stopped")
    }

    /// Recovery and intake, until cancelled (graceful shutdown cancels them).
    private func intake(into broadcaster: Broadcaster) async {
        let buffer = EventBuffer<KafkaConsumerEvent>(capacity: max(1024, settings.intakeBatchSize * 4))
        let loop = IntakeLoop(
            store: store, decoder: MessageDecoder(signer: signer, admission: admission, group: settings.consumerGroup), signer: signer,
            broadcaster: broadcaster, publisher: publisher, topic: settings.requestsTopic,
            batchSize: settings.intakeBatchSize, recoveryLimit: settings.recoveryLimit, storeRetryDelay: settings.storeRetryDelay, logger: logger)
        let reconciler = NonceReconciler(
            rpc: rpc, store: store, retryDelay: settings.reconcileRetryDelay, logger: logger)
        let sweep = RecoverySweep(
            store: store, broadcaster: broadcaster, limit: settings.recoveryLimit,
            interval: settings.sweepInterval, staleAfter: settings.staleAfter, logger: logger)
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await sweep.run() }
            group.addTask { await pump(buffer) }
            await loop.run(buffer, reconciler: reconciler)
            await buffer.finish()
            group.cancelAll()
        }
    }
}
