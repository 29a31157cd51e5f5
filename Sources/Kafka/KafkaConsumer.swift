import Logging
import ServiceLifecycle
import Synchronization

/// A member of a consumer group that starts each assigned partition where the application's
/// `KafkaOffsetSource` says, and delivers messages and rebalances as `events`.
///
/// A stored offset is checked against the partition's log first (`KafkaPartitionStart`): one
/// beyond the end (the broker lost or recreated the topic, as Tansu does on every restart) or
/// before the oldest message (retention) starts the partition at its oldest message instead,
/// with an error or critical log line and a count in `positionAlarms`. The broker refusing a
/// position later (Apache Kafka's out-of-range), or fetch responses showing that the log no
/// longer reaches it (Tansu, restarted under a member that was not reassigned), is decided the
/// same way (`PositionKeeper`).
///
/// A `Service`: `run()` polls librdkafka on a thread of its own until cancelled or shut down
/// gracefully, then leaves the group (emitting the final `revoked`) and ends `events`.
/// Offsets are never committed automatically; `commit(topic:partition:nextOffset:)` is there
/// for lag monitoring only. When the reader falls `maxBufferedMessages` behind, fetching
/// pauses (the member stays in the group) until it catches up: nothing is dropped.
///
/// ```swift
/// let consumer = try KafkaConsumer(configuration: config, offsetSource: store, logger: logger)
/// // run it in a ServiceGroup, then:
/// for await event in consumer.events { … }
/// ```
public final class KafkaConsumer: Service, Sendable {
    /// Messages and rebalances, in order; ends after `run()` returns.
    public let events: KafkaConsumerEvents
    private let configuration: KafkaConsumerConfiguration
    private let logger: Logger
    private let client: RDKafkaClient
    private let handler: ConsumerEvents
    private let stop = StopSignal()
    private let started = Atomic<Bool>(false)

    public init(
        configuration: KafkaConsumerConfiguration, offsetSource: any KafkaOffsetSource, logger: Logger
    ) throws(KafkaError) {
        try LibRdKafka.requireVersion(atLeast: LibRdKafka.requiredVersion)
        let buffer = EventBuffer<KafkaConsumerEvent>()
        let handler = ConsumerEvents(
            buffer: buffer, offsetSource: offsetSource,
            positions: StartingPositions(probeProperties: configuration.rdKafkaProperties, logger: logger),
            alarms: PositionAlarmCounter(reader: "consumer group \(configuration.groupID)", logger: logger),
            logger: logger)
        self.configuration = configuration
        self.logger = logger
        self.handler = handler
        self.events = KafkaConsumerEvents(buffer: buffer)
        self.client = try RDKafkaClient(.consumer, properties: configuration.rdKafkaProperties, handler: handler)
    }

    /// Consumes until cancelled or shut down; throws when librdkafka or the offset source
    /// failed in a way the consumer cannot continue from.
    public func run() async throws {
        guard started.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged
        else {
            throw KafkaError(.misuse, "KafkaConsumer.run() was called twice; run each consumer once")
        }
        let client = client, handler = handler, stop = stop, logger = logger
        let topics = configuration.topics, limit = configuration.maxBufferedMessages
        await PollingThread.run(name: "kafka-consumer", stop: stop) {
            var pauser = FetchPauser(limit: limit)
            client.redirectMainQueueToConsumer()
            do throws(KafkaError) {
                try client.subscribe(to: topics)
            } catch {
                handler.failed(error)
            }
            while !stop.isRequested && handler.fatalError == nil {
                switch pauser.update(buffered: handler.buffer.count, generation: handler.generation) {
                case .pause: client.setAssignmentPaused(true)
                case .resume: client.setAssignmentPaused(false)
                case .none: break
                }
                switch client.consumerPoll(timeoutMS: 100) {
                case .message(let message):
                    handler.consumed(message)
                    handler.buffer.push(.message(message))
                case .offsetOutOfRange(let partition, let offset):
                    handler.refused(partition, at: offset, on: client.borrowed)
                case .error(let error) where error.isFatal: handler.failed(error)
                case .error(let error): logger.warning("\(error)")
                case .none: break
                }
                handler.checkPositionsIfDue(on: client.borrowed)
            }
            client.closeConsumer()
            handler.buffer.finish()
        }
        if let fatal = handler.fatalError { throw fatal }
    }

    /// Events fetched but not yet read (for tests of backpressure).
    var bufferedEventCount: Int { handler.buffer.count }

    /// How often a partition's position was found outside its log since the consumer started;
    /// for the application's metrics.
    public var positionAlarms: KafkaPositionAlarms { handler.alarms.snapshot }

    /// Commits `nextOffset` as the group's position in a partition, without waiting.
    ///
    /// Only for lag monitoring: assignments start from the offset source, never from these.
    public func commit(topic: String, partition: Int32, nextOffset: Int64) throws(KafkaError) {
        try client.commitAsync([TopicPartition(topic: topic, partition: partition): nextOffset])
    }
}
