import Admission
import BroadcastModel
import ChainRPC
import EVMPrimitives
import Kafka
import Lifecycle
import Logging
import ServiceLifecycle
import StatusStore

/// The worker's pipeline as one service: intake of consumed requests (dedupe, nonce, sign,
/// store, dead letters), the lanes that work each sender under its lease until every request
/// is final on chain, the chain watcher that feeds them blocks, the outbox publisher that
/// brings every status change to the results topic, and the monitor.
///
/// Graceful shutdown stops intake at once, then stops the lanes (each stores what it knows
/// and releases its lease, so another worker takes its senders over at once), publishes what
/// the outbox holds, and returns. Nothing accepted is lost: the next owner of a sender resumes
/// its unfinished requests from the store. When intake cannot go on (the store fails for
/// good), `run` shuts down the same way and then throws.
///
/// ```swift
/// let pipeline = WorkerPipeline(events: consumer.events, store: store, rpc: rpc, signer: signer,
///                               admission: Admission(configuration: configuration),
///                               results: { event in … produce, await the ack … },
///                               deadLetters: { letter in … produce, await the ack … },
///                               monitoring: monitoring, settings: settings, logger: logger)
/// let group = ServiceGroup(services: [producer, consumer, pipeline], logger: logger)
/// ```
public struct WorkerPipeline: Service {
    /// Produces one dead letter to the dead-letter topic and returns once it is acknowledged.
    public typealias DeliverDeadLetter = @Sendable (DeadLetter) async throws -> Void
    /// Produces one status event to the results topic and returns once it is acknowledged.
    public typealias DeliverResult = @Sendable (StatusEvent) async throws -> Void

    private let pump: @Sendable (EventBuffer<KafkaConsumerEvent>, ConsumerAssignment) async -> Void
    private let store: any StatusStore
    private let rpc: ChainRPCClient
    private let signer: VersionSigner
    private let admission: Admission
    private let deliverResult: DeliverResult
    private let deliverDeadLetter: DeliverDeadLetter
    private let monitoring: WorkerMonitoring
    private let settings: PipelineSettings
    private let logger: Logger

    public init<Events: AsyncSequence & Sendable>(
        events: Events, store: any StatusStore, rpc: ChainRPCClient, signer: VersionSigner, admission: Admission,
        results: @escaping DeliverResult, deadLetters: @escaping DeliverDeadLetter, monitoring: WorkerMonitoring,
        settings: PipelineSettings, logger: Logger
    ) where Events.Element == KafkaConsumerEvent {
        self.pump = { buffer, assignment in
            do {
                for try await event in events {
                    assignment.observe(event)
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
        self.deliverResult = results
        self.deliverDeadLetter = deadLetters
        self.monitoring = monitoring
        self.settings = settings
        self.logger = logger
    }

    /// Runs until graceful shutdown (then stops in order) or cancellation; throws when intake had to stop.
    public func run() async throws {
        let metrics = monitoring.metrics
        let limiter = CallLimiter(limit: settings.maxInFlight)
        let effects = LaneEffects(
            rpc: rpc, store: store, signer: signer, policy: settings.lifecycle, index: HashIndex(), limiter: limiter,
            metrics: metrics, logger: logger)
        let supervisor = LaneSupervisor(
            effects: effects,
            settings: .init(
                owner: settings.owner, leaseLength: settings.leaseLength, sweepInterval: settings.sweepInterval,
                readAheadFreshness: settings.nonceReadAhead))
        let watcher = ChainWatcher(
            rpc: rpc, observer: supervisor,
            settings: .init(window: settings.lifecycle.confirmations + 32, pollInterval: settings.pollInterval), logger: logger)
        let outbox = OutboxPublisher(store: store, owner: settings.owner, deliver: deliverResult, logger: logger)
        let monitor = WorkerMonitor(
            monitoring: monitoring, store: store, rpc: rpc, topic: settings.requestsTopic, group: settings.consumerGroup,
            interval: settings.monitorInterval, nodeProbeAfter: settings.nodeProbeAfter, logger: logger)
        logger.info(
            "worker pipeline starting",
            metadata: [
                "topic": "\(settings.requestsTopic)", "group": "\(settings.consumerGroup)", "owner": "\(settings.owner)",
                "dead_letter_topic": "\(settings.deadLetterTopic)", "confirmations": "\(settings.lifecycle.confirmations)",
                "max_in_flight": "\(settings.maxInFlight)", "senders": "\(signer.signers.keys.map(\.description).sorted())",
            ])
        var stopped: IntakeStopped?
        await withDiscardingTaskGroup { services in
            services.addTask { await outbox.run() }
            services.addTask { await monitor.run() }
            services.addTask { await watcher.run() }
            services.addTask { await Self.sampleQueue(limiter: limiter, supervisor: supervisor, metrics: metrics, every: settings.monitorInterval) }
            await withDiscardingTaskGroup { lanes in
                lanes.addTask { await supervisor.run() }
                do {
                    try await cancelWhenGracefulShutdown { try await intake(into: supervisor) }
                    logger.info("intake stopped; the lanes store what they know and release their senders")
                } catch {
                    stopped = error as? IntakeStopped
                    logger.critical("intake stopped; stopping the lanes, then the worker exits", metadata: ["error": "\(error)"])
                }
                lanes.cancelAll()
            }
            await outbox.drain()
            services.cancelAll()
        }
        logger.info("worker pipeline stopped")
        if let stopped { throw stopped }
    }

    /// Intake, until cancelled (graceful shutdown cancels it) or it stops.
    private func intake(into supervisor: LaneSupervisor) async throws {
        let buffer = EventBuffer<KafkaConsumerEvent>(capacity: max(1024, settings.intakeBatchSize * 4))
        let deadLetters = DeadLetterSender(
            deliver: deliverDeadLetter, topic: settings.deadLetterTopic, backoff: settings.deadLetterBackoff,
            metrics: monitoring.metrics, logger: logger)
        let loop = IntakeLoop(
            store: store, decoder: MessageDecoder(signer: signer, admission: admission, group: settings.consumerGroup),
            signer: signer, policy: settings.lifecycle, supervisor: supervisor, deadLetters: deadLetters,
            consumerAssignment: monitoring.assignment, metrics: monitoring.metrics, topic: settings.requestsTopic,
            batchSize: settings.intakeBatchSize, maxUnsent: settings.maxUnsent, leaseWaitDelay: settings.leaseWaitDelay,
            storeRetry: settings.storeRetry, logger: logger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { [monitoring] in await pump(buffer, monitoring.assignment) }
            defer { group.cancelAll() }
            do {
                try await loop.run(buffer)
            } catch {
                await buffer.finish()
                throw error
            }
            await buffer.finish()
        }
    }

    /// Node calls in flight and requests not yet taken by a node, for `/metrics`.
    private static func sampleQueue(limiter: CallLimiter, supervisor: LaneSupervisor, metrics: WorkerMetrics, every interval: Duration) async {
        repeat {
            metrics.broadcastQueue(inFlight: await limiter.inFlight, waiting: await supervisor.unsentCount())
        } while (try? await Task.sleep(for: interval)) != nil
    }
}
