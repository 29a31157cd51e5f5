import Logging
import ServiceLifecycle
import Synchronization

/// Reads every partition of one topic from its end, without a consumer group: each process
/// sees every new message (the API uses it to wait for results).
///
/// A `Service`. `run()` first positions itself (reads the partitions and their end offsets,
/// retrying until the broker answers), then polls on a thread of its own until cancelled or
/// shut down, and ends `messages`. Messages produced after `waitUntilPositioned()` returned
/// true are never missed; on Tansu a few older ones may come first (its end offset can lag
/// by one producer batch), so readers must filter. Partitions added later are not read.
/// A slow reader pauses fetching once `maxBufferedMessages` wait, so nothing is dropped.
///
/// A broker that comes back with the topic reset (Tansu forgets everything on restart) leaves
/// the tail's positions beyond the new ends of the logs; the tail notices within seconds and
/// reads each such partition again from the start of its new log (`PositionKeeper`), counting
/// it in `positionAlarms`.
public final class KafkaTopicTail: Service, Sendable {
    /// New messages of the topic; ends after `run()` returns.
    public let messages: KafkaMessages
    private let topic: String
    private let logger: Logger
    private let limit: Int
    private let client: RDKafkaClient
    private let handler: TailEvents
    /// Never holds elements: finished once positioning is over, which wakes the waiters.
    private let positioning = EventBuffer<Bool>()
    private let isPositioned = Atomic<Bool>(false)
    private let alarms: PositionAlarmCounter
    private let positions: StartingPositions
    private let stop = StopSignal()
    private let started = Atomic<Bool>(false)

    public init(
        bootstrapServers: String, topic: String, maxBufferedMessages: Int = 10_000,
        properties: [String: String] = [:], logger: Logger
    ) throws(KafkaError) {
        try LibRdKafka.requireVersion(atLeast: LibRdKafka.requiredVersion)
        var all = brokerRestartDefaults.merging(properties) { _, configured in configured }
        all["bootstrap.servers"] = bootstrapServers
        // librdkafka's assign() needs a group id, though the tail never joins or commits.
        all["group.id"] = "broadcaster-tail-\(UInt64.random(in: .min ... .max))"
        all["enable.auto.commit"] = "false"
        all["enable.partition.eof"] = "false"
        all["auto.offset.reset"] = "error"
        let handler = TailEvents(logger: logger)
        self.alarms = PositionAlarmCounter(reader: "the tail of \(topic)", logger: logger)
        self.positions = StartingPositions(probeProperties: all, logger: logger)
        self.topic = topic
        self.logger = logger
        self.limit = maxBufferedMessages
        self.handler = handler
        self.messages = KafkaMessages(buffer: handler.buffer)
        self.client = try RDKafkaClient(.consumer, properties: all, handler: handler)
    }

    /// Returns true once the tail reads from the end of every partition, false if `run()`
    /// ended first or the waiting task was cancelled.
    public func waitUntilPositioned() async -> Bool {
        _ = await positioning.next()
        return isPositioned.load(ordering: .acquiring)
    }

    /// How often a partition's position was found outside its log since the tail started.
    public var positionAlarms: KafkaPositionAlarms { alarms.snapshot }

    /// Positions at the end of the topic, then reads until cancelled or shut down.
    public func run() async throws {
        guard started.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged
        else {
            throw KafkaError(.misuse, "KafkaTopicTail.run() was called twice; run each tail once")
        }
        let client = client, handler = handler, stop = stop, logger = logger, topic = topic
        let positioning = positioning, limit = limit, alarms = alarms, startingPositions = positions
        await PollingThread.run(name: "kafka-tail", stop: stop) {
            client.redirectMainQueueToConsumer()
            var positions = PositionKeeper(
                positions: startingPositions, alarms: alarms,
                consequence: "Readers waiting on it get what is produced from now on.")
            if let offsets = Self.position(client, topic: topic, stop: stop, logger: logger) {
                positions.positioned(offsets, on: client.borrowed)
                self.isPositioned.store(true, ordering: .releasing)
            }
            positioning.finish()
            var pauser = FetchPauser(limit: limit)
            while !stop.isRequested {
                switch pauser.update(buffered: handler.buffer.count, generation: 0) {
                case .pause: client.setAssignmentPaused(true)
                case .resume: client.setAssignmentPaused(false)
                case .none: break
                }
                switch client.consumerPoll(timeoutMS: 100) {
                case .message(let message):
                    positions.consumed(message)
                    handler.buffer.push(message)
                case .offsetOutOfRange(let partition, let offset):
                    positions.refused(partition, at: offset, on: client.borrowed)
                case .error(let error): logger.warning("\(error)")
                case .none: break
                }
                positions.checkIfDue(on: client.borrowed)
            }
            handler.buffer.finish()
        }
    }

    /// Assigns every partition at its current end offset and returns those offsets; retries
    /// until it works, or returns nil once asked to stop.
    private static func position(
        _ client: RDKafkaClient, topic: String, stop: StopSignal, logger: Logger
    ) -> [TopicPartition: Int64]? {
        while !stop.isRequested {
            do throws(KafkaError) {
                var offsets: [TopicPartition: Int64] = [:]
                for partition in try client.partitions(of: topic, timeoutMS: 2000) {
                    let topicPartition = TopicPartition(topic: topic, partition: partition)
                    offsets[topicPartition] = try client.borrowed.queryWatermarks(of: topicPartition, timeoutMS: 2000).high
                }
                guard !offsets.isEmpty else { throw KafkaError(.broker, "topic \(topic) has no partitions") }
                try client.assign(offsets)
                return offsets
            } catch {
                logger.warning("Kafka tail of \(topic) cannot position yet, retrying: \(error)")
                _ = client.consumerPoll(timeoutMS: 500)
            }
        }
        return nil
    }
}

/// A tail needs no callbacks beyond logging.
final class TailEvents: RDKafkaEventHandler {
    let logger: Logger
    let buffer = EventBuffer<KafkaMessage>()
    init(logger: Logger) { self.logger = logger }
}
