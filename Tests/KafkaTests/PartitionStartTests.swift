import Testing

@testable import Kafka

@Suite("Where a partition starts: stored offset against the log's watermarks")
struct PartitionStartTests {
    typealias Verdict = KafkaPartitionStart.Verdict

    @Test(
        "the decision table",
        arguments: [
            // stored, low, high -> start, verdict
            (Int64?.none, Int64(0), Int64(10), Int64?.none, Verdict.fresh),
            (0, 0, 10, 0, .resumed),
            (7, 0, 10, 7, .resumed),
            // The next message to be written: nothing to read yet, but the log is the same.
            (10, 0, 10, 10, .resumed),
            (5, 5, 5, 5, .resumed),
            // Beyond the end: the broker restarted empty (the 104 against a new log).
            (104, 0, 0, 0, .logReset),
            (104, 0, 7, 0, .logReset),
            (11, 0, 10, 0, .logReset),
            // A recreated topic whose new log was also trimmed: start at its oldest message.
            (104, 3, 7, 3, .logReset),
            // Before the oldest message: retention deleted 2..<40 unread.
            (2, 40, 90, 40, .retentionLoss),
            (39, 40, 40, 40, .retentionLoss),
        ] as [(Int64?, Int64, Int64, Int64?, Verdict)])
    func table(stored: Int64?, low: Int64, high: Int64, start: Int64?, verdict: Verdict) {
        let decided = KafkaPartitionStart.decide(stored: stored, watermarks: KafkaWatermarks(low: low, high: high))
        #expect(decided == KafkaPartitionStart(offset: start, verdict: verdict))
    }

    @Test("unknown or impossible watermarks leave the stored offset unchecked")
    func unknownWatermarks() {
        let expected = KafkaPartitionStart(offset: 42, verdict: .unchecked)
        #expect(KafkaPartitionStart.decide(stored: 42, watermarks: nil) == expected)
        // librdkafka reports unknown offsets as -1001; a low above the high is no log either.
        #expect(KafkaPartitionStart.decide(stored: 42, watermarks: KafkaWatermarks(low: -1001, high: -1001)) == expected)
        #expect(KafkaPartitionStart.decide(stored: 42, watermarks: KafkaWatermarks(low: 9, high: 3)) == expected)
    }

    @Test("a negative stored offset is no position: the partition starts at the beginning, never at a logical offset")
    func negativeStored() {
        // -1 would mean "the end" to librdkafka and skip everything there.
        for stored: Int64 in [-1, -2, .min] {
            #expect(
                KafkaPartitionStart.decide(stored: stored, watermarks: KafkaWatermarks(low: 0, high: 10))
                    == KafkaPartitionStart(offset: nil, verdict: .fresh))
        }
    }

    @Test("only a reset or a retention loss moves the start away from the stored offset")
    func movesStart() {
        #expect(Verdict.allCases.filter(\.movesStart) == [.logReset, .retentionLoss])
    }
}

@Suite("PositionWatch: noticing a reader's position outside its log from cached watermarks")
struct PositionWatchTests {
    let partition = TopicPartition(topic: "results", partition: 3)

    @Test("a position beyond the end is reported after the confirmations, once per streak")
    func reportsAfterConfirmations() {
        var watch = PositionWatch(confirmations: 2, trustAfterChecks: 5)
        watch.positioned(partition, next: 104, cached: nil)
        let restarted = KafkaWatermarks(low: 0, high: 3)
        #expect(watch.check { _ in restarted }.isEmpty)
        #expect(watch.check { _ in restarted } == [partition: 104])
        #expect(watch.check { _ in restarted }.isEmpty)
        #expect(watch.check { _ in restarted } == [partition: 104])
    }

    @Test("a position inside the log is never reported, and one good check clears a suspicion")
    func insideLog() {
        var watch = PositionWatch(confirmations: 2, trustAfterChecks: 5)
        watch.positioned(partition, next: 10, cached: nil)
        for high: Int64 in [10, 11, 50] {
            #expect(watch.check { _ in KafkaWatermarks(low: 0, high: high) }.isEmpty)
        }
        // A new leader's high watermark lagging for one check, then catching up.
        #expect(watch.check { _ in KafkaWatermarks(low: 0, high: 8) }.isEmpty)
        #expect(watch.check { _ in KafkaWatermarks(low: 0, high: 60) }.isEmpty)
        #expect(watch.check { _ in KafkaWatermarks(low: 0, high: 8) }.isEmpty)
    }

    @Test("consumed messages move the position")
    func consumedMoves() {
        var watch = PositionWatch(confirmations: 1)
        watch.positioned(partition, next: 5, cached: nil)
        watch.consumed(partition, offset: 5)
        watch.consumed(partition, offset: 8)
        #expect(watch.next(of: partition) == 9)
        #expect(watch.check { _ in KafkaWatermarks(low: 0, high: 9) }.isEmpty)
        #expect(watch.check { _ in KafkaWatermarks(low: 0, high: 2) } == [partition: 9])
    }

    @Test("a cache left from before the positioning is not trusted until it changes, a message arrives, or enough checks pass")
    func staleCache() {
        // Cached before a reassignment: the log ended at 50 then; the partition is now at 80,
        // which another reader reached meanwhile. The cache says nothing about 80 yet.
        let stale = KafkaWatermarks(low: 0, high: 50)
        var watch = PositionWatch(confirmations: 1, trustAfterChecks: 3)
        watch.positioned(partition, next: 80, cached: stale)
        #expect(watch.check { _ in stale }.isEmpty)
        #expect(watch.check { _ in stale }.isEmpty)
        // Fresh fetch responses say the log reaches 85.
        #expect(watch.check { _ in KafkaWatermarks(low: 0, high: 85) }.isEmpty)

        // A changed cache is trusted at once: a restarted broker's log ends at 2.
        var changed = PositionWatch(confirmations: 1, trustAfterChecks: 3)
        changed.positioned(partition, next: 80, cached: stale)
        #expect(changed.check { _ in KafkaWatermarks(low: 0, high: 2) } == [partition: 80])

        // An unchanged cache is trusted after trustAfterChecks checks (fetches refresh it often).
        var unchanged = PositionWatch(confirmations: 1, trustAfterChecks: 3)
        unchanged.positioned(partition, next: 80, cached: stale)
        #expect(unchanged.check { _ in stale }.isEmpty)
        #expect(unchanged.check { _ in stale }.isEmpty)
        #expect(unchanged.check { _ in stale } == [partition: 80])

        // A message means the cache is current.
        var consumed = PositionWatch(confirmations: 1, trustAfterChecks: 3)
        consumed.positioned(partition, next: 49, cached: stale)
        consumed.consumed(partition, offset: 49)
        #expect(consumed.check { _ in stale }.isEmpty)
        #expect(consumed.check { _ in KafkaWatermarks(low: 0, high: 49) } == [partition: 50])
    }

    @Test("no cached watermarks: nothing to say, and the streak starts over")
    func unknownCache() {
        var watch = PositionWatch(confirmations: 2)
        watch.positioned(partition, next: 104, cached: nil)
        #expect(watch.check { _ in KafkaWatermarks(low: 0, high: 1) }.isEmpty)
        #expect(watch.check { _ in nil }.isEmpty)
        #expect(watch.check { _ in KafkaWatermarks(low: 0, high: 1) }.isEmpty)
        #expect(watch.check { _ in KafkaWatermarks(low: 0, high: 1) } == [partition: 104])
    }

    @Test("a position before the oldest message is reported too")
    func belowLow() {
        var watch = PositionWatch(confirmations: 1)
        watch.positioned(partition, next: 3, cached: nil)
        #expect(watch.check { _ in KafkaWatermarks(low: 10, high: 20) } == [partition: 3])
    }
}
