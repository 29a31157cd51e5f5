/// Notices that a partition's log no longer reaches a reader's position, from the watermarks
/// librdkafka caches from fetch responses: Tansu answers a fetch beyond the end of a log with
/// nothing at all (no out-of-range error), so after it restarted with empty topics a reader would
/// wait at its old offset, silently, until the new log grew past it.
///
/// A plain value: the polling thread feeds it positions and cached watermarks and acts on what
/// `check` reports (confirm with the broker, then seek). Two things keep it from crying wolf:
/// - the cache survives a (re)positioning, so it is trusted only once it changed since, a
///   message arrived, or `trustAfterChecks` checks passed (fetches refresh it twice a second);
/// - a position must look outside the log on `confirmations` consecutive checks, since a new
///   leader's high watermark can lag briefly.
struct PositionWatch: Sendable {
    private struct Entry: Sendable {
        var next: Int64
        var cacheWhenPositioned: KafkaWatermarks?
        var trusted: Bool
        var checks = 0
        var suspicions = 0
    }

    let confirmations: Int
    let trustAfterChecks: Int
    private var entries: [TopicPartition: Entry] = [:]

    init(confirmations: Int = 2, trustAfterChecks: Int = 5) {
        self.confirmations = max(1, confirmations)
        self.trustAfterChecks = max(1, trustAfterChecks)
    }

    /// The reader reads `partition` from `next` on; `cached` is what the cache says right now.
    mutating func positioned(_ partition: TopicPartition, next: Int64, cached: KafkaWatermarks?) {
        entries[partition] = Entry(next: next, cacheWhenPositioned: cached, trusted: false)
    }

    /// A message at `offset` arrived: the position moves past it, and the cache is current. A
    /// partition read from "the beginning" is watched from its first message on.
    mutating func consumed(_ partition: TopicPartition, offset: Int64) {
        var entry = entries[partition] ?? Entry(next: offset + 1, cacheWhenPositioned: nil, trusted: true)
        entry.next = max(entry.next, offset + 1)
        entry.trusted = true
        entries[partition] = entry
    }

    /// The reader no longer reads `partition`.
    mutating func removed(_ partition: TopicPartition) {
        entries[partition] = nil
    }

    /// Partitions whose position has looked outside their log for `confirmations` checks in a
    /// row, with that position; each report starts the count again.
    mutating func check(cached: (TopicPartition) -> KafkaWatermarks?) -> [TopicPartition: Int64] {
        var outside: [TopicPartition: Int64] = [:]
        for (partition, var entry) in entries {
            defer { entries[partition] = entry }
            guard let watermarks = cached(partition) else {
                entry.suspicions = 0
                continue
            }
            entry.checks += 1
            if !entry.trusted {
                guard watermarks != entry.cacheWhenPositioned || entry.checks >= trustAfterChecks else { continue }
                entry.trusted = true
            }
            guard entry.next > watermarks.high || entry.next < watermarks.low else {
                entry.suspicions = 0
                continue
            }
            entry.suspicions += 1
            if entry.suspicions >= confirmations {
                entry.suspicions = 0
                outside[partition] = entry.next
            }
        }
        return outside
    }

    /// The position the watch holds for `partition` (tests).
    func next(of partition: TopicPartition) -> Int64? { entries[partition]?.next }
}
