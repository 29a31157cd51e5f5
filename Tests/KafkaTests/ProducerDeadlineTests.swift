import Synchronization
import Testing

@testable import Kafka

/// The producer's backstop: a send whose delivery report never comes is failed at its deadline,
/// from one queue of deadlines, with no timer per send. Clock instants are injected.
@Suite("Kafka producer deadlines, without a broker")
struct ProducerDeadlineTests {
    typealias Outcome = Result<KafkaDeliveryReport, KafkaError>

    /// Sends with deadlines `start + id` seconds, and their outcomes once resumed.
    final class Sends: Sendable {
        let state = Mutex(ProducerState())
        let outcomes = Mutex<[UInt: Outcome]>([:])
        let start = ContinuousClock.now

        func deadline(_ id: UInt) -> ContinuousClock.Instant { start + .seconds(Int64(id)) }

        /// Runs `body` while sends `ids` wait in child tasks; every send must be resumed by its end.
        func whileWaiting(_ ids: ClosedRange<UInt>, _ body: () async throws -> Void) async throws {
            try await withThrowingDiscardingTaskGroup { group in
                for id in ids {
                    group.addTask {
                        let outcome = await withCheckedContinuation { continuation in
                            _ = self.state.withLock { $0.register(id, continuation, deadline: self.deadline(id)) }
                        }
                        self.outcomes.withLock { $0[id] = outcome }
                    }
                }
                try await eventually("\(ids.count) sends to register") { state.withLock { $0.pendingCount } == ids.count }
                try await body()
            }
        }

        /// Expires at `now` and fails what is overdue, as the polling thread does.
        func expire(at now: ContinuousClock.Instant) -> Int {
            let overdue = state.withLock { $0.expire(at: now) }
            for continuation in overdue {
                continuation.resume(returning: .failure(KafkaError(.deliveryTimedOut, "overdue", isRetriable: true)))
            }
            return overdue.count
        }
    }

    @Test("a send without a report fails at its deadline, not before; one with a report is never failed again")
    func overdueSendsFail() async throws {
        let sends = Sends()
        try await sends.whileWaiting(1...3) {
            // Send 2's report comes; 1 and 3 never get one.
            let reported = sends.state.withLock { $0.complete(2) }
            reported?.resume(returning: .success(KafkaDeliveryReport(topic: "t", partition: 0, offset: 7)))

            #expect(sends.expire(at: sends.deadline(1) - .milliseconds(1)) == 0)
            #expect(sends.expire(at: sends.deadline(2)) == 1)  // send 1; send 2 already answered
            #expect(sends.state.withLock { $0.pendingCount } == 1)
            #expect(sends.expire(at: sends.deadline(2) + .milliseconds(999)) == 0)
            #expect(sends.expire(at: sends.deadline(3) + .seconds(60)) == 1)
            #expect(sends.expire(at: sends.deadline(3) + .seconds(120)) == 0)
        }
        try await eventually("three outcomes") { sends.outcomes.withLock { $0.count } == 3 }
        let outcomes = sends.outcomes.withLock { $0 }
        #expect((try? outcomes[2]?.get())?.offset == 7)
        for id: UInt in [1, 3] {
            guard case .failure(let error) = outcomes[id] else {
                Issue.record("send \(id) was not failed: \(String(describing: outcomes[id]))")
                continue
            }
            #expect(error.code == .deliveryTimedOut && error.isRetriable)
        }
        // A late report for a failed send finds nothing to resume.
        #expect(sends.state.withLock { $0.complete(1) } == nil)
    }

    @Test("the deadline queue does not grow with the sends answered in time")
    func queueStaysBounded() async throws {
        let sends = Sends()
        for round: UInt in 0..<10 {
            let ids = (round * 1000 + 1)...(round * 1000 + 1000)
            try await sends.whileWaiting(ids) {
                for id in ids {
                    sends.state.withLock { $0.complete(id) }?.resume(returning: .failure(KafkaError(.cancelled, "answered")))
                }
                #expect(sends.expire(at: sends.deadline(ids.upperBound)) == 0)
            }
        }
        #expect(sends.state.withLock { $0.pendingCount } == 0)
        let held = sends.state.withLock { $0.deadlineStorage }
        #expect(held <= 2048, "the deadline queue holds \(held) entries after 10,000 answered sends")
    }
}
