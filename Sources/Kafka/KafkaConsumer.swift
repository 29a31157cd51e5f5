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
/// position later (Apache Kafka's out-of-range) is decided the same way.
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
                case .message(let message): handler.buffer.push(.message(message))
                case .offsetOutOfRange(let partition, let offset):
                    handler.outOfRange(partition, offset: offset, on: client.borrowed)
                case .error(let error) where error.isFatal: handler.failed(error)
                case .error(let error): logger.warning("\(error)")
                case .none: break
                }
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

/// Receives a group consumer's rebalances, refused positions and fatal errors from librdkafka.
final class ConsumerEvents: RDKafkaEventHandler {
    let logger: Logger
    let buffer: EventBuffer<KafkaConsumerEvent>
    let alarms: PositionAlarmCounter
    private let offsetSource: any KafkaOffsetSource
    private let positions: StartingPositions
    private let fatal = Mutex<KafkaError?>(nil)
    private let assignmentGeneration = Atomic<Int>(0)

    /// What a reader that starts again elsewhere must know.
    private static let consequence =
        "Whatever the broker lost is gone from Kafka; messages read again must be recognised by their ids."

    init(
        buffer: EventBuffer<KafkaConsumerEvent>, offsetSource: any KafkaOffsetSource, positions: StartingPositions,
        alarms: PositionAlarmCounter, logger: Logger
    ) {
        self.buffer = buffer
        self.offsetSource = offsetSource
        self.positions = positions
        self.alarms = alarms
        self.logger = logger
    }

    var fatalError: KafkaError? { fatal.withLock { $0 } }
    /// Changes on every rebalance.
    var generation: Int { assignmentGeneration.load(ordering: .acquiring) }

    func assigning(_ partitions: [TopicPartition], on client: RDKafkaHandle) -> Result<[TopicPartition: Int64], KafkaError> {
        assignmentGeneration.add(1, ordering: .releasing)
        var stored: [TopicPartition: Int64] = [:]
        let byTopic = Dictionary(grouping: partitions, by: \.topic).mapValues { $0.map(\.partition).sorted() }
        for (topic, numbers) in byTopic.sorted(by: { $0.key < $1.key }) {
            do {
                for (partition, offset) in try offsetSource.startingOffsets(topic: topic, partitions: numbers)
                where numbers.contains(partition) {
                    stored[TopicPartition(topic: topic, partition: partition)] = offset
                }
            } catch {
                return .failure(
                    KafkaError(
                        .offsetSource,
                        "could not read the starting offsets of \(topic) partitions \(numbers): \(error); the consumer stops rather than read from a guessed offset"
                    ))
            }
        }
        let decisions = positions.decide(partitions, stored: stored, on: client)
        var offsets: [TopicPartition: Int64] = [:]
        for (partition, decision) in decisions.sorted(by: { $0.key < $1.key }) {
            offsets[partition] = decision.start.offset
            guard let position = stored[partition] else { continue }
            alarms.report(
                decision.start, of: partition, position: position, watermarks: decision.watermarks,
                consequence: Self.consequence)
            if decision.start.verdict.movesStart {
                offsetSource.positionMoved(
                    topic: partition.topic, partition: partition.partition, stored: position, start: decision.start)
            }
        }
        for (topic, numbers) in byTopic.sorted(by: { $0.key < $1.key }) {
            let starts = numbers.map { "\($0)@\(offsets[TopicPartition(topic: topic, partition: $0)].map(String.init) ?? "beginning")" }
            logger.info("Kafka consumer assigned \(topic) partitions \(starts.joined(separator: ", "))")
            buffer.push(.assigned(numbers, topic: topic))
        }
        return .success(offsets)
    }

    /// The broker refused to serve `offset` of `partition` and fetching it stopped: decides
    /// where to go on from the partition's watermarks, and seeks there.
    func outOfRange(_ partition: TopicPartition, offset: Int64, on client: RDKafkaHandle) {
        var watermarks: KafkaWatermarks?
        do {
            watermarks = try client.queryWatermarks(of: partition, timeoutMS: positions.queryTimeout.clampedMilliseconds)
        } catch {
            logger.warning("Kafka consumer could not read the watermarks of \(partition): \(error)")
        }
        let start = KafkaPartitionStart.decide(stored: offset, watermarks: watermarks)
        alarms.report(start, of: partition, position: offset, watermarks: watermarks, consequence: Self.consequence)
        if start.verdict.movesStart {
            offsetSource.positionMoved(topic: partition.topic, partition: partition.partition, stored: offset, start: start)
        } else {
            logger.warning(
                "Kafka broker refused offset \(offset) of \(partition) as out of range (its log holds \(watermarks.map(String.init(describing:)) ?? "unknown offsets")); fetching from \(start.verdict == .unchecked ? "the beginning" : "there") again")
        }
        // Unchecked: the beginning, since a fetch from the same offset would be refused again.
        let target = start.verdict == .unchecked ? nil : start.offset
        do throws(KafkaError) {
            try client.seek([partition: target ?? RDKafkaPartitionList.beginning])
        } catch {
            logger.error("Kafka consumer could not move \(partition) after its offset \(offset) was refused: \(error)")
        }
    }

    func revoked(_ partitions: [TopicPartition]) {
        assignmentGeneration.add(1, ordering: .releasing)
        let byTopic = Dictionary(grouping: partitions, by: \.topic).mapValues { $0.map(\.partition).sorted() }
        for (topic, numbers) in byTopic.sorted(by: { $0.key < $1.key }) {
            logger.info("Kafka consumer revoked \(topic) partitions \(numbers)")
            buffer.push(.revoked(numbers, topic: topic))
        }
    }

    func failed(_ error: KafkaError) {
        logger.critical("\(error)")
        fatal.withLock { $0 = $0 ?? error }
    }
}
