import Logging
import ServiceLifecycle
import Synchronization

/// Produces messages and returns only once the broker has acknowledged them.
///
/// A `Service`: `run()` must be running for sends to complete (it serves librdkafka's delivery
/// reports on a thread of its own). When `run()` is cancelled or shut down gracefully it
/// refuses new sends, flushes for at most the shutdown timeout, and fails every send still
/// waiting (retriably), so nothing waits forever. When its librdkafka instance can no longer
/// deliver by itself (see `ProducerClients`), it replaces it with a fresh one and carries on.
///
/// ```swift
/// let producer = try KafkaProducer(configuration: .init(bootstrapServers: "127.0.0.1:9092"), logger: logger)
/// // in a ServiceGroup, or: async let _ = producer.run()
/// let report = try await producer.send(topic: "broadcaster.requests", key: key, value: payload)
/// ```
public final class KafkaProducer: Service, Sendable {
    private let configuration: KafkaProducerConfiguration
    private let logger: Logger
    private let clients: ProducerClients
    private let events: ProducerEvents
    private let stop = StopSignal()
    private let started = Atomic<Bool>(false)

    public init(configuration: KafkaProducerConfiguration, logger: Logger) throws(KafkaError) {
        try LibRdKafka.requireVersion(atLeast: LibRdKafka.requiredVersion)
        let events = ProducerEvents(configuration: configuration, logger: logger)
        self.configuration = configuration
        self.logger = logger
        self.events = events
        self.clients = try ProducerClients(properties: configuration.rdKafkaProperties, handler: events)
    }

    /// Serves delivery reports until cancelled or shut down, replacing the librdkafka instance
    /// when it cannot deliver again by itself; then flushes (bounded by the shutdown timeout)
    /// and fails what is still pending.
    public func run() async throws {
        guard started.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged
        else {
            throw KafkaError(.misuse, "KafkaProducer.run() was called twice; run each producer once")
        }
        let clients = clients, events = events, stop = stop, logger = logger, configuration = configuration
        let flushTimeout = min(configuration.shutdownTimeout, configuration.deliveryTimeout)
        await PollingThread.run(name: "kafka-producer", stop: stop) {
            var repair = ProducerRepair(clients: clients, configuration: configuration, logger: logger)
            while !stop.isRequested {
                repair.serveRetired()
                // Reports from replaced instances say nothing about the current one.
                _ = events.takeTrouble()
                clients.client.poll(timeoutMS: 100)
                if let trouble = events.takeTrouble() { repair.handle(trouble) }
                events.failOverdue(at: .now)
            }
            events.state.withLock { $0.beginClosing() }
            let client = clients.client
            if !client.flush(timeoutMS: flushTimeout.clampedMilliseconds) {
                logger.warning(
                    "Kafka producer shut down with \(client.outQueueLength) message(s) not acknowledged within \(flushTimeout.operatorText)")
                client.purgeQueued()
                client.poll(timeoutMS: 0)
            }
            repair.serveRetired()
            for continuation in events.state.withLock({ $0.takeAllWaiting() }) {
                continuation.resume(returning: .failure(.shutDown("the message may not have been delivered")))
            }
        }
    }

    /// Sends waiting for their outcome, and what librdkafka holds for the broker: messages,
    /// requests and undelivered reports (tests).
    var pending: (sends: Int, queuedMessages: Int32) {
        (events.state.withLock { $0.pendingCount }, clients.client.outQueueLength)
    }

    /// Produces one message and waits for the broker's acknowledgement (all in-sync replicas).
    ///
    /// Fails with a retriable error when the broker does not acknowledge within the delivery
    /// timeout; should librdkafka never report on the message, the polling thread fails the
    /// send shortly after that timeout (`ProducerEvents.reportGrace`), so no send waits longer. Cancelling the waiting task fails it with `.cancelled`; the message may still
    /// be delivered.
    public func send(
        topic: String, key: [UInt8]?, value: [UInt8], headers: [KafkaHeader] = []
    ) async throws(KafkaError) -> KafkaDeliveryReport {
        let clients = clients, events = events
        let id = events.state.withLock { $0.makeID() }
        let deadline = ContinuousClock.now + configuration.deliveryTimeout + ProducerEvents.reportGrace
        let result = await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                switch events.state.withLock({ $0.register(id, continuation, deadline: deadline) }) {
                case .fail(let error):
                    continuation.resume(returning: .failure(error))
                case .produce:
                    do throws(KafkaError) {
                        try clients.produce(topic: topic, key: key, value: value, headers: headers, messageID: id)
                    } catch {
                        events.note(error)
                        events.state.withLock { $0.complete(id) }?.resume(returning: .failure(error))
                    }
                }
            }
        } onCancel: {
            events.state.withLock { $0.cancel(id) }?.resume(
                returning: .failure(
                    KafkaError(.cancelled, "the send to topic \(topic) was cancelled; the message may still be delivered")))
        }
        return try result.get()
    }
}

/// Receives the producer's callbacks from librdkafka and resumes the waiting sends.
final class ProducerEvents: RDKafkaEventHandler {
    let logger: Logger
    let state = Mutex(ProducerState())
    private let trouble = Mutex<ProducerTrouble?>(nil)
    private let configuration: KafkaProducerConfiguration

    init(configuration: KafkaProducerConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    /// How long after the delivery timeout a send without a report is failed anyway. librdkafka
    /// scans for timed-out messages about once a second, so this often answers first; its
    /// report, when it comes, still counts as trouble (`note`) for `ProducerRepair`.
    static let reportGrace = Duration.milliseconds(250)

    /// Fails the sends whose delivery report is overdue (the backstop; see `ProducerState`).
    func failOverdue(at now: ContinuousClock.Instant) {
        let overdue = state.withLock { $0.expire(at: now) }
        guard !overdue.isEmpty else { return }
        logger.warning("Kafka producer: \(overdue.count) send(s) got no delivery report within \(configuration.deliveryTimeout.operatorText) + \(Self.reportGrace.operatorText); failed them retriably")
        for continuation in overdue {
            continuation.resume(returning: .failure(KafkaError(
                .deliveryTimedOut,
                "broker \(configuration.bootstrapServers): no delivery report within \(configuration.deliveryTimeout.operatorText) (message.timeout.ms) + \(Self.reportGrace.operatorText); the message may or may not have been delivered",
                isRetriable: true)))
        }
    }

    /// What went wrong with the current instance since the last call, if anything.
    func takeTrouble() -> ProducerTrouble? { trouble.withLock { $0.take() } }

    /// Records a failure that may mean the instance has to be replaced.
    func note(_ error: KafkaError) {
        if error.breaksProducerIdentity {
            trouble.withLock { $0 = .brokenIdentity(error.reason) }
        } else if error.code == .deliveryTimedOut {
            trouble.withLock { $0 = $0 ?? .timedOut }
        }
    }

    func delivered(messageID: UInt, result: Result<KafkaDeliveryReport, KafkaError>) {
        if case .failure(let error) = result { note(error) }
        guard let continuation = state.withLock({ $0.complete(messageID) }) else { return }
        continuation.resume(returning: result.mapError(explain))
    }

    func failed(_ error: KafkaError) {
        note(error)
    }

    /// Says which broker and which timeout, the two things an operator checks first.
    private func explain(_ error: KafkaError) -> KafkaError {
        guard error.code == .deliveryTimedOut else { return error }
        return KafkaError(
            .deliveryTimedOut,
            "broker \(configuration.bootstrapServers) unreachable or not acknowledging: message not acknowledged within \(configuration.deliveryTimeout.operatorText) (\(error.reason))",
            isRetriable: true, rdKafkaCode: error.rdKafkaCode, file: error.file, line: error.line)
    }
}
