import BroadcastModel
import DevChainSupport
import Foundation
import SQLiteStore
import StatusStore
import Testing

/// Item 5 of issue 7, one owner per sender: a worker frozen (SIGSTOP) past its leases while it
/// holds senders with unfinished work, its senders taken over by the others, then thawed.
@Suite("End to end: a paused worker wakes after its leases moved", .serialized)
struct OwnershipPauseTests {
    static let senderCount = 8
    static let leaseSeconds = 4

    @Test("three workers; one frozen past its 4 s leases holding unfinished work, then thawed: it writes nothing under the lost leases, no request is signed or sent twice, every 200 is confirmed once on chain", arguments: EngineUnderTest.allCases)
    func pausedPastLease(engine: EngineUnderTest) async throws {
        let started = ContinuousClock.now
        func step(_ what: String) { print("end-to-end paused-owner (\(engine)): \(what) at \(ContinuousClock.now - started)") }
        try await withStackEnvironment(senderCount: Self.senderCount, engine: engine) { env in
            // Workers 1 and 2 share a node; worker 3 has its own, so the store's attempts
            // (which record the endpoint) say which process sent.
            let shared = try await env.proxy(steadyNode(seconds: 0.8))
            let own = try await env.proxy(steadyNode(seconds: 0.8, seed: 2))
            let adjust: (inout [String: Any]) -> Void = { $0.merge("worker", ["leaseLength": Self.leaseSeconds]) }
            try env.configure(rpcURLs: [shared.url], adjust: adjust)
            try env.configure(rpcURLs: [own.url], named: "worker-3", adjust: adjust)
            let ownEndpoint = try #require(URL(string: own.url)).port.map { "http://127.0.0.1:\($0)" }

            try await withResultsRecorder(broker: env.broker) { results in
                _ = try await env.stack.startAPI()
                let worker1 = try await env.stack.startWorker(1)
                let worker2 = try await env.stack.startWorker(2)
                let worker3 = try await env.stack.startWorker(3, configPath: env.workspace.configPath(named: "worker-3"))
                let frozenOwner = try #require(worker3.owner, "worker 3 did not log its owner name")
                step("three workers in the group")

                let driver = LoadDriver(apiURL: env.stack.apiURL, concurrency: 4, pause: .milliseconds(60))
                var tally = LoadTally()
                let planned = LoadDriver.plan(0..<48, senders: env.check.senders)
                async let firstWave = driver.post(planned)

                // Freeze worker 3 while it holds senders with requests not final yet, at a moment
                // it is outside a store transaction: frozen inside one it would hold SQLite's
                // single write lock and stop every worker (one writer per file is SQLite's rule;
                // on PostgreSQL the server ends such a transaction after 10 s, a case of its own).
                // The test is about leases, so it thaws and freezes again until none is open.
                var held: [String: Int] = [:]
                var frozenOutsideTransaction = false
                for _ in 0..<20 {
                    let found = try await eventually(timeout: .seconds(30), every: .milliseconds(50)) {
                        let leases = try env.file.leases()
                        let unfinished = try env.file.unfinishedBySender()
                        let now = storeMillis()
                        held = Dictionary(
                            uniqueKeysWithValues: leases.values
                                .filter { $0.owner == frozenOwner && $0.expiresAt > now && (unfinished[$0.sender] ?? 0) > 0 }
                                .map { ($0.sender, $0.epoch) })
                        return !held.isEmpty
                    }
                    try #require(found, "worker 3 never held a sender with unfinished work: \(worker3.tail)")
                    worker3.pause()
                    if env.file.writeLockFree(within: 2) {
                        frozenOutsideTransaction = true
                        break
                    }
                    worker3.resume()
                    step("worker 3 was frozen inside a store transaction; thawed to freeze it again")
                    try await Task.sleep(for: .milliseconds(30))
                }
                try #require(frozenOutsideTransaction, "worker 3 was inside a store transaction at each of 20 freezes")
                let pausedAt = Date()
                let unfinishedAtPause = try env.file.unfinishedBySender().filter { held[$0.key] != nil }
                step("worker 3 frozen holding \(held.count) senders (unfinished \(unfinishedAtPause))")
                tally.add(await firstWave)

                // Its partitions move after the session timeout; its leases expired before.
                let movedOn = try await eventually(timeout: .seconds(60)) {
                    let leases = try env.file.leases()
                    return held.keys.allSatisfy { leases[$0].map { $0.owner != frozenOwner && $0.epoch > held[$0.sender] ?? 0 } ?? false }
                }
                try #require(movedOn, "nobody took worker 3's senders over: \(worker1.tail) \(worker2.tail)")
                step("its senders taken over (leases \(try env.file.leases().filter { held[$0.key] != nil }.mapValues { "\($0.owner.suffix(10))@\($0.epoch)" }))")
                // Let the new owners work them a while, then thaw worker 3.
                try await Task.sleep(for: .seconds(2))
                let mark = worker3.logMark
                let assignedBefore = worker3.lines(containing: "partitions assigned")
                let resumedAt = Date()
                worker3.resume()
                step("worker 3 thawed after \(String(format: "%.1f", resumedAt.timeIntervalSince(pausedAt))) s")

                // Its lanes find out on their first write or renewal and stop. A sender frozen
                // while its lane was still starting (its nonce read in flight) is found out by
                // the renewal of the starting lease.
                let noticed = [
                    "lost the sender's lease; stopping its lane",
                    "the sender's lease was lost; stopping its lane",
                    "the lease of a sender being started was lost",
                ]
                let stopped = try await eventually(timeout: .seconds(20)) {
                    worker3.log(after: mark).contains { line in noticed.contains { line.contains($0) } }
                }
                let afterResume = worker3.log(after: mark)
                #expect(stopped, "worker 3 never noticed it lost its leases: \(worker3.tail)")
                let noticedCounts = noticed.map { phrase in afterResume.count { $0.contains(phrase) } }
                    .map(String.init).joined(separator: " / ")
                step("worker 3 noticed its lost leases (fenced writes / refused renewals / starting): \(noticedCounts)")

                // Back in the group it takes its share again; more requests flow to every worker.
                _ = try await eventually(timeout: .seconds(45)) { worker3.lines(containing: "partitions assigned") > assignedBefore }
                tally.add(await driver.post(LoadDriver.plan(48..<72, senders: env.check.senders)))
                step("second wave posted")
                #expect(tally.acceptedAnswers == 72, "the API answered \(tally.acceptedAnswers) of 72 with 200")

                let records = try await StoreView.waitUntilSettled(env.store, ids: tally.accepted.keys, timeout: .seconds(60))
                step("store settled")
                let onChain = try await env.check.verify(records: records, accepted: tally.accepted)
                #expect(onChain == UInt64(tally.accepted.count))
                #expect(records.count == tally.accepted.count)

                // What worker 3 took back after its thaw it took under a new epoch; before that
                // line it wrote nothing about the senders it had lost.
                var retaken: Set<String> = []
                // Read again now: it may have taken a sender back after it stopped its lanes.
                for line in worker3.log(after: mark) where line.contains("[Pipeline] working the sender") {
                    guard let sender = LogLine.value(of: "from", in: line), let epoch = Int(LogLine.value(of: "epoch", in: line) ?? "") else { continue }
                    if let lost = held[sender] { #expect(epoch > lost, "worker 3 worked \(sender) again at its old epoch \(epoch)") }
                    retaken.insert(sender)
                }
                let attempts = try env.file.attempts()
                let resumedMillis = storeMillis(resumedAt) - 5
                for sender in held.keys where !retaken.contains(sender) {
                    let late = attempts.filter { $0.sender == sender && $0.endpoint == ownEndpoint && $0.finishedAt >= resumedMillis }
                    #expect(late.isEmpty, "worker 3 recorded \(late.count) sends of \(sender) after it woke without its lease")
                }
                let leases = try env.file.leases()
                for (sender, epoch) in held {
                    #expect((leases[sender]?.epoch ?? 0) > epoch, "the lease of \(sender) is still at worker 3's epoch \(epoch)")
                }
                // Nothing in this test asks for a replacement (fees from a steady chain, bumps
                // only after 180 s): a second version would be a second signer.
                let versions = try env.file.versionCounts()
                #expect(versions.values.allSatisfy { $0 == 1 }, "requests signed more than once: \(versions.filter { $0.value != 1 })")
                // No two processes sent one sender's requests at the same time.
                OwnershipOverlap.expectNoOverlap(attempts)

                let delivered = try await results.waitForFinal(tally.accepted.keys, timeout: .seconds(30))
                #expect(delivered, "final statuses missing from the results topic")
                let summary = DeliveryCheck.verify(results.all, against: records)
                #expect(try env.file.outboxCount() == 0, "status events left in the outbox")
                #expect(worker1.isRunning && worker2.isRunning && worker3.isRunning)
                print(
                    "end-to-end paused-owner: 200s \(tally.acceptedAnswers), on chain \(onChain), senders frozen \(held.count), taken back by worker 3 \(retaken.count), lost leases noticed (fenced writes / refused renewals / starting) \(noticedCounts), events \(summary.events) (redelivered \(summary.redelivered)), attempts \(attempts.count), \(ContinuousClock.now - started)")
            }
        }
    }
}

/// Whether two processes ever sent one sender's transactions at the same time, from the attempt
/// rows (each process has its own endpoint, which every attempt records).
enum OwnershipOverlap {
    static func expectNoOverlap(_ attempts: [StoreTables.AttemptRow]) {
        for (sender, mine) in Dictionary(grouping: attempts, by: \.sender) {
            let byEndpoint = Dictionary(grouping: mine, by: { $0.endpoint ?? "?" })
            let spans = byEndpoint.mapValues { rows in (rows.map(\.startedAt).min() ?? 0, rows.map(\.finishedAt).max() ?? 0) }
            for (first, a) in byEndpoint {
                for (second, b) in byEndpoint where first < second {
                    for x in a {
                        for y in b where x.startedAt < y.finishedAt && y.startedAt < x.finishedAt {
                            Issue.record(
                                "sender \(sender) was sent by two processes at once: \(first) [\(x.startedAt), \(x.finishedAt)] and \(second) [\(y.startedAt), \(y.finishedAt)] (spans \(spans))")
                        }
                    }
                }
            }
        }
    }
}
