import Logging

/// Keeps a reader's partitions inside their logs once they are positioned: the polling
/// thread's side of `KafkaTopicTail` and `KafkaConsumer` between assignments.
///
/// When a broker comes back with a topic's logs reset (Tansu, memory storage, after every
/// restart) without the reader being reassigned, as for a tail, which joins no group, its
/// positions lie beyond the new ends; without this it would read nothing until each new log grew
/// past them, and everyone waiting on it would wait in vain. A position that the watch
/// (`PositionWatch`) or the broker (out of range) finds outside its log is checked like a
/// stored offset at assignment (`StartingPositions`, `KafkaPartitionStart`), and when the log
/// really moved the partition goes on from where the decision says, reported and counted.
struct PositionKeeper: Sendable {
    let positions: StartingPositions
    let alarms: PositionAlarmCounter
    /// What the reader's log line adds after a move.
    let consequence: String
    /// Told of every move, before the partition's next messages arrive.
    let moved: @Sendable (TopicPartition, _ stored: Int64, KafkaPartitionStart) -> Void
    private var watch = PositionWatch()
    private var lastCheck = ContinuousClock.now
    static let checkInterval = Duration.seconds(1)

    init(
        positions: StartingPositions, alarms: PositionAlarmCounter, consequence: String,
        moved: @escaping @Sendable (TopicPartition, _ stored: Int64, KafkaPartitionStart) -> Void = { _, _, _ in }
    ) {
        self.positions = positions
        self.alarms = alarms
        self.consequence = consequence
        self.moved = moved
    }

    /// These partitions are read from these offsets on.
    mutating func positioned(_ offsets: [TopicPartition: Int64], on client: RDKafkaHandle) {
        for (partition, offset) in offsets {
            watch.positioned(partition, next: offset, cached: client.cachedWatermarks(of: partition))
        }
    }

    mutating func removed(_ partitions: [TopicPartition]) {
        for partition in partitions { watch.removed(partition) }
    }

    mutating func consumed(_ message: KafkaMessage) {
        watch.consumed(TopicPartition(topic: message.topic, partition: message.partition), offset: message.offset)
    }

    /// At most once per `checkInterval`: moves partitions whose position looks outside the log.
    mutating func checkIfDue(on client: RDKafkaHandle) {
        guard ContinuousClock.now - lastCheck >= Self.checkInterval else { return }
        lastCheck = .now
        for (partition, position) in watch.check(cached: client.cachedWatermarks(of:)).sorted(by: { $0.key < $1.key }) {
            reposition(partition, from: position, refused: false, on: client)
        }
    }

    /// The broker refused `position` (out of range): fetching the partition stopped until a seek.
    mutating func refused(_ partition: TopicPartition, at position: Int64, on client: RDKafkaHandle) {
        reposition(partition, from: position, refused: true, on: client)
    }

    private mutating func reposition(_ partition: TopicPartition, from position: Int64, refused: Bool, on client: RDKafkaHandle) {
        let decision = positions.decide([partition], stored: [partition: position], on: client)[partition]
        let start = decision?.start ?? KafkaPartitionStart(offset: position, verdict: .unchecked)
        // The cache's word alone moves nothing: the broker must agree, or have refused.
        guard start.verdict.movesStart || refused else { return }
        alarms.report(start, of: partition, position: position, watermarks: decision?.watermarks, consequence: consequence)
        if start.verdict.movesStart {
            moved(partition, position, start)
        } else {
            positions.logger.warning(
                "Kafka broker refused offset \(position) of \(partition) as out of range although its log holds \(decision?.watermarks.map(String.init(describing:)) ?? "unknown offsets"); fetching again from \(start.verdict == .unchecked ? "the beginning" : "there")")
        }
        // Refused and unchecked: the beginning, since the same offset would be refused again.
        let target = start.verdict == .unchecked ? RDKafkaPartitionList.beginning : start.offset ?? RDKafkaPartitionList.beginning
        do throws(KafkaError) {
            try client.seek([partition: target])
            if target >= 0 {
                watch.positioned(partition, next: target, cached: client.cachedWatermarks(of: partition))
            } else {
                watch.removed(partition)  // watched again from its first message
            }
        } catch {
            positions.logger.error("Kafka could not move \(partition) to offset \(target): \(error)")
        }
    }
}
