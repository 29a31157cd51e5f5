import Logging
import Synchronization

/// How often a reader found its position outside the partition's log since it started: the
/// counters an operator graphs and alerts on (each a partition found so, once).
public struct KafkaPositionAlarms: Sendable, Hashable {
    /// Positions beyond the end of the log: the broker lost or recreated the topic.
    public var logResets = 0
    /// Positions before the oldest message: retention deleted messages never read. Each one is
    /// data loss and deserves a page.
    public var retentionLosses = 0
    /// Stored offsets used without a check, because the watermarks did not answer in time.
    public var unchecked = 0

    public init(logResets: Int = 0, retentionLosses: Int = 0, unchecked: Int = 0) {
        self.logResets = logResets
        self.retentionLosses = retentionLosses
        self.unchecked = unchecked
    }
}

/// Counts and logs verdicts on positions; shared by a client's polling thread and its readers.
final class PositionAlarmCounter: Sendable {
    private let counts = Mutex(KafkaPositionAlarms())
    let logger: Logger
    /// Who reads, for the log lines: "group broadcaster-workers", "the tail of broadcaster.results".
    let reader: String

    init(reader: String, logger: Logger) {
        self.reader = reader
        self.logger = logger
    }

    var snapshot: KafkaPositionAlarms { counts.withLock { $0 } }

    /// Counts `start` and says what it means, when it is more than a plain resume.
    func report(
        _ start: KafkaPartitionStart, of partition: TopicPartition, position: Int64, watermarks: KafkaWatermarks?,
        consequence: String
    ) {
        let log = watermarks.map { "its log holds \($0)" } ?? "its watermarks are unknown"
        let target = start.offset.map { "offset \($0)" } ?? "the beginning"
        switch start.verdict {
        case .fresh, .resumed:
            return
        case .logReset:
            counts.withLock { $0.logResets += 1 }
            logger.error(
                "Kafka log reset: \(reader) was at offset \(position) of \(partition) but \(log), so the broker lost or recreated the topic; reading again from \(target). \(consequence)")
        case .retentionLoss:
            counts.withLock { $0.retentionLosses += 1 }
            logger.critical(
                "Kafka messages lost to retention: \(reader) was at offset \(position) of \(partition) but \(log); offsets \(position)..<\(start.offset ?? position) were deleted before they were read and will never be processed. Reading from \(target). Raise the topic's retention.ms, and recover those messages from their producers.")
        case .unchecked:
            counts.withLock { $0.unchecked += 1 }
            logger.warning(
                "Kafka could not read the watermarks of \(partition) in time; \(reader) starts at the stored offset \(position) unchecked (a log reset there goes unnoticed until the next assignment)")
        }
    }
}
