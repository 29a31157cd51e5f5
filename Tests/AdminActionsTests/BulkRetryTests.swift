import AdminActions
import BroadcastModel
import ChainRPC
import EVMPrimitives
import EVMSigning
import KafkaTestSupport
import Lifecycle
import Foundation
import Logging
import SQLiteStore
import StatusStore
import Testing

@Suite("Bulk retries: stored operations with a frozen set", .serialized)
struct BulkRetryTests {
    /// Runs a runner until `operation` is in `state` (or a generous deadline passes).
    func runUntil(
        _ harness: RetryHarness, _ desk: RetryDesk, _ operation: BulkRetryID, is state: BulkRetryOperation.State,
        within limit: Duration = .seconds(120)
    ) async throws -> BulkRetryOperation {
        let runner = BulkRetryRunner(desk: desk, pollInterval: .milliseconds(100), pauseAfterFailure: .milliseconds(500), logger: RetryHarness.logger)
        return try await whileRunning([runner]) {
            let deadline = ContinuousClock.now + limit
            while ContinuousClock.now < deadline {
                if let current = try await desk.bulkOperation(operation), current.state == state { return current }
                try await Task.sleep(for: .milliseconds(100))
            }
            return try #require(try await desk.bulkOperation(operation))
        }
    }

    @Test func planningValidatesTheReasonAndTheCap() async throws {
        try await RetryHarness.run { harness in
            let desk = harness.desk()
            for (reason, cap) in [("", 10), ("   ", 10), (String(repeating: "x", count: 501), 10), ("fine", 0), ("fine", 10_001)] {
                do {
                    _ = try await desk.planBulk(RequestQuery(), cap: cap, by: "alice", reason: reason)
                    Issue.record("planned with reason \(reason.count) characters and cap \(cap)")
                } catch let error as BulkRetryError {
                    #expect(error.code == (cap == 10 ? .invalidReason : .invalidCap))
                }
            }
            #expect(try await desk.planBulk(RequestQuery(), cap: 10_000, by: "alice", reason: String(repeating: "x", count: 500)).planned == 0)
            #expect(RetryDesk.defaultBulkCap == 1_000)
        }
    }

    @Test func theFrozenSetAndTheCapHold() async throws {
        try await RetryHarness.run { harness in
            try await harness.mineTransfers(6)
            var failed: [StoredRequest] = []
            for nonce in 0..<4 { failed.append(try await harness.storeRequest(nonce: UInt64(nonce), status: .failed)) }
            let confirmed = try await harness.storeRequest(nonce: 4, status: .confirmed)
            let late = try await harness.storeRequest(nonce: 5, status: .submitted)
            let desk = harness.desk()
            // The filter names confirmed too: only the failed ones are taken; three of the four.
            let plan = try await desk.planBulk(RequestQuery(statuses: [.failed, .confirmed]), cap: 3, by: "alice", reason: "node outage on the 3rd")
            #expect(plan.state == .planned && plan.planned == 3 && plan.cap == 3 && plan.createdBy == "alice")
            #expect(plan.filter.statuses == [.failed])
            #expect(plan.sample.count == 3 && plan.sample.allSatisfy { $0.status == .failed })
            let items = try await desk.bulkItems(plan.id, limit: 100, after: nil)
            #expect(items.count == 3 && items.allSatisfy { $0.result == .pending })
            let frozen = Set(items.map(\.request))
            #expect(frozen.isSubset(of: Set(failed.map(\.id))))
            // Fails after planning: not in the operation.
            try await harness.move(late, to: .failed)
            #expect(try await desk.bulkOperation(plan.id) == plan)

            let (finished, produced) = try await harness.readingTopic {
                _ = try await desk.startBulk(plan.id, by: "bob")
                return try await runUntil(harness, desk, plan.id, is: .finished)
            }
            #expect(finished.state == .finished && finished.retried == 3 && finished.refused == 0)
            let results = try await desk.bulkItems(plan.id, limit: 100, after: nil)
            var retries: Set<RequestID> = []
            for item in results {
                guard case .retried(let retry) = item.result else {
                    Issue.record("\(item.request): \(item.result)")
                    continue
                }
                #expect(try await harness.store.retriedAs(item.request) == retry)
                retries.insert(retry)
            }
            #expect(Set(produced.map(\.id)) == retries && produced.count == 3)
            #expect(Set(produced.compactMap(\.retryOf)) == frozen)
            for outside in failed.map(\.id).filter({ !frozen.contains($0) }) + [late.id, confirmed.id] {
                #expect(try await harness.store.retriedAs(outside) == nil)
            }
            do {
                _ = try await desk.startBulk(plan.id, by: "bob")
                Issue.record("a finished operation started again")
            } catch let error as BulkRetryError {
                #expect(error.code == .wrongState)
            }
        }
    }

    @Test func everyStepIsAuditedWithItsUser() async throws {
        try await RetryHarness.run { harness in
            try await harness.mineTransfers(2)
            for nonce in 0..<2 { try await harness.storeRequest(nonce: UInt64(nonce), status: .failed) }
            let desk = harness.desk()
            let plan = try await desk.planBulk(RequestQuery(), cap: 1_000, by: "alice", reason: "outage")
            _ = try await desk.startBulk(plan.id, by: "bob")
            _ = try await runUntil(harness, desk, plan.id, is: .finished)
            let audit = try await harness.store.recentAudit(limit: 100, before: nil)
            #expect(audit.allSatisfy { !$0.entry.user.isEmpty })
            #expect(audit.allSatisfy { $0.entry.action == .bulkRetry && $0.entry.details["operation"] == plan.id.description })
            let steps = audit.reversed().map { $0.entry.details["step"] ?? "item" }
            #expect(steps == ["plan", "start", "item", "item", "finish"])
            #expect(audit.reversed().map(\.entry.user) == ["alice", "bob", "bob", "bob", "bob"])
        }
    }

    @Test func aCancelledOperationRetriesNothingMore() async throws {
        try await RetryHarness.run { harness in
            try await harness.mineTransfers(3)
            var originals: [RequestID] = []
            for nonce in 0..<3 { originals.append(try await harness.storeRequest(nonce: UInt64(nonce), status: .failed).id) }
            let desk = harness.desk()
            let plan = try await desk.planBulk(RequestQuery(), cap: 1_000, by: "alice", reason: "outage")
            _ = try await desk.startBulk(plan.id, by: "alice")
            let cancelled = try await desk.cancelBulk(plan.id, by: "carol")
            #expect(cancelled.state == .cancelled)
            // A runner that comes after the cancel takes no item.
            let afterwards = try await runUntil(harness, desk, plan.id, is: .finished, within: .seconds(3))
            #expect(afterwards.state == .cancelled && afterwards.retried == 0)
            for original in originals { #expect(try await harness.store.retriedAs(original) == nil) }
            do {
                _ = try await desk.startBulk(plan.id, by: "alice")
                Issue.record("a cancelled operation started")
            } catch let error as BulkRetryError {
                #expect(error.code == .wrongState)
            }
            let audit = try await harness.store.recentAudit(limit: 10, before: nil)
            #expect(audit.first?.entry.user == "carol" && audit.first?.entry.details["step"] == "cancel")
        }
    }

    @Test func aRestartedRunnerResumesWithoutASecondRetry() async throws {
        try await RetryHarness.run { harness in
            try await harness.mineTransfers(2)
            var originals: [RequestID] = []
            for nonce in 0..<2 { originals.append(try await harness.storeRequest(nonce: UInt64(nonce), status: .failed).id) }
            let first = harness.desk()
            let plan = try await first.planBulk(RequestQuery(), cap: 1_000, by: "alice", reason: "outage")
            _ = try await first.startBulk(plan.id, by: "alice")
            // The broker is down: the first item is linked, its produce not acknowledged, and the
            // runner pauses with the item pending. Then the admin process goes away.
            await harness.broker.stop()
            let runner = BulkRetryRunner(desk: first, pollInterval: .milliseconds(100), pauseAfterFailure: .milliseconds(500), logger: RetryHarness.logger)
            let linked = try await whileRunning([runner]) { () async throws -> RequestID? in
                let deadline = ContinuousClock.now + .seconds(60)
                while ContinuousClock.now < deadline {
                    for original in originals {
                        if let retry = try await harness.store.retriedAs(original) { return retry }
                    }
                    try await Task.sleep(for: .milliseconds(100))
                }
                return nil
            }
            let madeDuringOutage = try #require(linked)
            #expect(try await first.bulkItems(plan.id, limit: 10, after: nil).allSatisfy { $0.result == .pending })

            // A new process (a new desk, nothing remembered) resumes the running operation.
            try await harness.broker.restart()
            let second = harness.desk()
            let (finished, produced) = try await harness.readingTopic {
                try await runUntil(harness, second, plan.id, is: .finished)
            }
            #expect(finished.state == .finished && finished.retried == 2)
            var retries: [RequestID] = []
            for original in originals { retries.append(try #require(try await harness.store.retriedAs(original))) }
            #expect(retries.contains(madeDuringOutage))
            #expect(Set(produced.map(\.id)) == Set(retries))
            let items = try await second.bulkItems(plan.id, limit: 10, after: nil)
            let itemRetries = items.compactMap { item -> RequestID? in
                if case .retried(let retry) = item.result { return retry }
                return nil
            }
            #expect(Set(itemRetries) == Set(retries) && itemRetries.count == 2)
        }
    }

    /// Cancelled while an item is in flight (its produce waits for a broker that is down): the
    /// runner takes no further item, before or after the broker is back.
    @Test func aCancelWhileRunningStopsBetweenItems() async throws {
        try await RetryHarness.run { harness in
            try await harness.mineTransfers(3)
            var originals: [RequestID] = []
            for nonce in 0..<3 { originals.append(try await harness.storeRequest(nonce: UInt64(nonce), status: .failed).id) }
            let desk = harness.desk()
            let plan = try await desk.planBulk(RequestQuery(), cap: 1_000, by: "alice", reason: "outage")
            _ = try await desk.startBulk(plan.id, by: "alice")
            await harness.broker.stop()
            // One item at a time, so that "no further item" means something with three items.
            let runner = BulkRetryRunner(
                desk: desk, pollInterval: .milliseconds(100), pauseAfterFailure: .milliseconds(500), itemsAtOnce: 1, logger: RetryHarness.logger)
            try await whileRunning([runner]) {
                let deadline = ContinuousClock.now + .seconds(60)
                var linked = false
                while !linked && ContinuousClock.now < deadline {
                    for original in originals where try await harness.store.retriedAs(original) != nil { linked = true }
                    if !linked { try await Task.sleep(for: .milliseconds(50)) }
                }
                #expect(linked, "the runner never took the first item")
                _ = try await desk.cancelBulk(plan.id, by: "carol")
                try await harness.broker.restart()
                // Passes of the runner after the cancel, with the broker back.
                try await Task.sleep(for: .seconds(3))
            }
            var links = 0
            for original in originals where try await harness.store.retriedAs(original) != nil { links += 1 }
            #expect(links == 1)
            let now = try #require(try await desk.bulkOperation(plan.id))
            // The item in flight ends either way (its produce may succeed once the broker is
            // back); no other item was taken.
            #expect(now.state == .cancelled && now.retried <= 1 && now.refused == 0)
            let pending = try await desk.bulkItems(plan.id, limit: 10, after: nil).filter { $0.result == .pending }
            #expect(pending.count == 3 - now.retried)
        }
    }
}
