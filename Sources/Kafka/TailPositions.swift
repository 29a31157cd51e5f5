import Logging

/// Keeps a topic tail's partitions inside their logs: the polling thread's side of
/// `KafkaTopicTail` after positioning.
///
/// When a broker comes back with the topic's logs reset (Tansu, memory storage, after every
/// restart), the tail's old offsets lie beyond the new ends; without this the tail would read
/// nothing until each new log grew past them, and everyone waiting on it would wait in vain.
/// A position that the watch (`PositionWatch`) or the broker (out of range) finds outside its
/// log is confirmed with the partition's watermarks, decided like a consumer's stored offset
/// (`KafkaPartitionStart`), and the partition moves to the start of its new log: everything in
/// a log that was reset after the tail positioned itself is new to the tail.
struct TailPositions {
    let alarms: PositionAlarmCounter
    let logger: Logger
    private var watch = PositionWatch()
    private var lastCheck = ContinuousClock.now
    static let checkInterval = Duration.seconds(1)
    static let queryTimeout = Duration.seconds(2)

    init(alarms: PositionAlarmCounter, logger: Logger) {
        self.alarms = alarms
        self.logger = logger
    }

    mutating func positioned(_ offsets: [TopicPartition: Int64], on client: RDKafkaHandle) {
        for (partition, offset) in offsets {
            watch.positioned(partition, next: offset, cached: client.cachedWatermarks(of: partition))
        }
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
        var watermarks: KafkaWatermarks?
        do {
            watermarks = try client.queryWatermarks(of: partition, timeoutMS: Self.queryTimeout.clampedMilliseconds)
        } catch {
            logger.warning("Kafka tail could not read the watermarks of \(partition): \(error)")
        }
        let start = KafkaPartitionStart.decide(stored: position, watermarks: watermarks)
        // The cache's word alone moves nothing: the broker must agree (or have refused).
        guard start.verdict.movesStart || refused else { return }
        alarms.report(
            start, of: partition, position: position, watermarks: watermarks,
            consequence: "Readers waiting on it get what is produced from now on.")
        let target = start.verdict == .unchecked ? RDKafkaPartitionList.beginning : start.offset ?? RDKafkaPartitionList.beginning
        do throws(KafkaError) {
            try client.seek([partition: target])
            watch.positioned(partition, next: max(0, target), cached: client.cachedWatermarks(of: partition))
        } catch {
            logger.error("Kafka tail could not move \(partition) to offset \(target): \(error)")
        }
    }
}
