import BroadcastModel
import ChainRPC
import EVMPrimitives
import Pipeline
import Testing

/// The broadcaster's schedule as a pure value, driven by a hand-moved clock.
@Suite struct BroadcastQueueTests {
    @Test func dueRecordsStartInOrderUpToTheSlotLimit() {
        var queue = BroadcastQueue<TestInstant>(maxInFlight: 2)
        let records = (0..<3).map { Fixtures.record(nonce: $0) }
        for record in records { queue.submit(record, dueAt: .start) }

        #expect(queue.takeDue(at: .start).map(\.nonce.value) == [0, 1])
        #expect(queue.inFlightCount == 2)
        #expect(queue.nextDue == nil, "no slot is free, so nothing is due until an attempt finishes")
        #expect(queue.takeDue(at: .start).isEmpty)

        queue.finish(records[0].id, retryAt: nil, with: records[0])
        #expect(queue.takeDue(at: .start).map(\.nonce.value) == [2])
    }

    @Test func aWaitingRetryHoldsNoSlotAndBlocksNothing() {
        var queue = BroadcastQueue<TestInstant>(maxInFlight: 1)
        let slow = Fixtures.record(nonce: 0)
        let next = Fixtures.record(nonce: 1)
        queue.submit(slow, dueAt: .start)
        queue.submit(next, dueAt: .start)
        #expect(queue.takeDue(at: .start).map(\.id) == [slow.id])

        // The first attempt failed: it waits two seconds, and the other one goes now.
        let retryAt = TestInstant.start.advanced(by: .seconds(2))
        queue.finish(slow.id, retryAt: retryAt, with: slow)
        #expect(queue.takeDue(at: .start).map(\.id) == [next.id])
        queue.finish(next.id, retryAt: nil, with: next)

        #expect(queue.nextDue == retryAt)
        #expect(queue.takeDue(at: .start.advanced(by: .milliseconds(1999))).isEmpty)
        #expect(queue.takeDue(at: retryAt).map(\.id) == [slow.id])
    }

    @Test func aRequestIsScheduledOnceWhileWaitingOrInFlight() {
        var queue = BroadcastQueue<TestInstant>(maxInFlight: 4)
        let record = Fixtures.record(nonce: 7)
        var accepted = queue.submit(record, dueAt: .start)
        #expect(accepted)
        accepted = queue.submit(record, dueAt: .start)
        #expect(!accepted, "waiting")
        #expect(queue.takeDue(at: .start).count == 1)
        accepted = queue.submit(record, dueAt: .start)
        #expect(!accepted, "in flight")
        queue.finish(record.id, retryAt: .start.advanced(by: .seconds(1)), with: record)
        accepted = queue.submit(record, dueAt: .start)
        #expect(!accepted, "waiting for its retry")
        #expect(queue.takeDue(at: .start.advanced(by: .seconds(1))).count == 1)
        queue.finish(record.id, retryAt: nil, with: record)
        #expect(queue.isIdle)
        accepted = queue.submit(record, dueAt: .start)
        #expect(accepted, "forgotten once final")
    }

    @Test func sameDueTimeKeepsSubmissionOrderAndEarlierDueGoesFirst() {
        var queue = BroadcastQueue<TestInstant>(maxInFlight: 100)
        let later = TestInstant.start.advanced(by: .seconds(5))
        let records = (0..<20).map { Fixtures.record(nonce: $0) }
        for record in records {
            queue.submit(record, dueAt: record.nonce.value.isMultiple(of: 2) ? later : .start)
        }
        #expect(queue.nextDue == .start)
        #expect(queue.takeDue(at: .start).map(\.nonce.value) == Array(stride(from: 1, to: 20, by: 2)))
        #expect(queue.nextDue == later)
        #expect(queue.takeDue(at: later).map(\.nonce.value) == Array(stride(from: 0, to: 20, by: 2)))
    }

    /// The schedule a transaction gets from the default policy when every send fails with
    /// "retry later": three attempts at 0 s, 2 s and 6 s, then failed.
    @Test func defaultPolicyDrivesThreeAttemptsThenFails() {
        let policy = RetryPolicy(maxAttempts: 3, initialDelay: .seconds(2), multiplier: 2, jitter: 0)
        var random = FixedRandom()
        var queue = BroadcastQueue<TestInstant>(maxInFlight: 8)
        var record = Fixtures.record(nonce: 0)
        var now = TestInstant.start
        queue.submit(record, dueAt: now)

        var startedAt: [Duration] = []
        var verdict: AttemptVerdict?
        while let due = queue.nextDue {
            now = max(now, due)
            let started = queue.takeDue(at: now)
            #expect(started.count == 1)
            startedAt.append(now.sinceStart)
            let outcome = SendOutcome.failed(.retryLater, message: "timed out")
            let decided = AttemptVerdict.decide(outcome, attempt: record.attempts + 1, policy: policy, random: &random)
            record.attempts += 1
            verdict = decided
            if case .retry(let delay, _) = decided {
                queue.finish(record.id, retryAt: now.advanced(by: delay), with: record)
            } else {
                queue.finish(record.id, retryAt: nil, with: record)
            }
        }
        #expect(startedAt == [.zero, .seconds(2), .seconds(6)])
        #expect(verdict?.status == .failed)
        #expect(queue.isIdle)
    }
}
