import Logging
import Synchronization

/// Receives a group consumer's rebalances, refused positions and fatal errors from librdkafka,
/// and keeps its positions inside the partitions' logs. Everything but `generation`,
/// `fatalError` and the buffer runs on the consumer's polling thread (librdkafka calls back
/// from inside its poll), so the locks here are never contended.
final class ConsumerEvents: RDKafkaEventHandler {
    let logger: Logger
    let buffer: EventBuffer<KafkaConsumerEvent>
    let alarms: PositionAlarmCounter
    private let offsetSource: any KafkaOffsetSource
    private let positions: StartingPositions
    private let keeper: Mutex<PositionKeeper>
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
        self.keeper = Mutex(
            PositionKeeper(positions: positions, alarms: alarms, consequence: Self.consequence) { partition, stored, start in
                offsetSource.positionMoved(topic: partition.topic, partition: partition.partition, stored: stored, start: start)
            })
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
        // Partitions read from the beginning are watched from their first message on.
        keeper.withLock { $0.positioned(offsets, on: client) }
        for (topic, numbers) in byTopic.sorted(by: { $0.key < $1.key }) {
            let starts = numbers.map { "\($0)@\(offsets[TopicPartition(topic: topic, partition: $0)].map(String.init) ?? "beginning")" }
            logger.info("Kafka consumer assigned \(topic) partitions \(starts.joined(separator: ", "))")
            buffer.push(.assigned(numbers, topic: topic))
        }
        return .success(offsets)
    }

    func revoked(_ partitions: [TopicPartition]) {
        assignmentGeneration.add(1, ordering: .releasing)
        keeper.withLock { $0.removed(partitions) }
        let byTopic = Dictionary(grouping: partitions, by: \.topic).mapValues { $0.map(\.partition).sorted() }
        for (topic, numbers) in byTopic.sorted(by: { $0.key < $1.key }) {
            logger.info("Kafka consumer revoked \(topic) partitions \(numbers)")
            buffer.push(.revoked(numbers, topic: topic))
        }
    }

    func consumed(_ message: KafkaMessage) {
        keeper.withLock { $0.consumed(message) }
    }

    /// The broker refused to serve `offset` of `partition`, and fetching it stopped.
    func refused(_ partition: TopicPartition, at offset: Int64, on client: RDKafkaHandle) {
        keeper.withLock { $0.refused(partition, at: offset, on: client) }
    }

    func checkPositionsIfDue(on client: RDKafkaHandle) {
        keeper.withLock { $0.checkIfDue(on: client) }
    }

    func failed(_ error: KafkaError) {
        logger.critical("\(error)")
        fatal.withLock { $0 = $0 ?? error }
    }
}
