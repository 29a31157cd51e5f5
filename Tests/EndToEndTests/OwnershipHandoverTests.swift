import BroadcastModel
import DevChainSupport
import Foundation
import SQLiteStore
import StatusStore
import Testing

/// Item 5 of issue 7: partitions that move between live workers take their senders along at
/// once: the old owner releases each sender's lease, the new one takes it on assignment and
/// resumes its unfinished requests from the store.
@Suite("End to end: partition handover between live workers", .serialized)
struct OwnershipHandoverTests {
    static let senderCount = 6
    static let requestCount = 120

    @Test("a third worker joins under load: revoked senders' leases are released and taken at once (30 s leases, nobody waits), unfinished requests resumed, no sender sent by two processes at once, every 200 confirmed once")
    func thirdWorkerJoins() async throws {
        let started = ContinuousClock.now
        func step(_ what: String) { print("end-to-end handover: \(what) at \(ContinuousClock.now - started)") }
        try await withStackEnvironment(senderCount: Self.senderCount) { env in
            // One node proxy per worker: each attempt row says which process sent it.
            var configs: [String] = []
            for number in 1...3 {
                let proxy = try await env.proxy(steadyNode(seconds: 1, seed: UInt64(number)))
                try env.configure(rpcURLs: [proxy.url], named: "worker-\(number)") { $0.merge("worker", ["leaseLength": 30]) }
                configs.append(env.workspace.configPath(named: "worker-\(number)"))
            }
            try env.configure(rpcURLs: [env.chain.url])
            _ = try await env.stack.startAPI()
            let worker1 = try await env.stack.startWorker(1, configPath: configs[0])
            let worker2 = try await env.stack.startWorker(2, configPath: configs[1])
            step("two workers in the group")

            // Posting goes on for about 20 s, past the third worker's join (about 12 s on this
            // machine), so that every sender still has requests in flight when partitions move.
            let driver = LoadDriver(apiURL: env.stack.apiURL, concurrency: 2, pause: .milliseconds(300))
            var tally = LoadTally()
            let planned = LoadDriver.plan(0..<Self.requestCount, senders: env.check.senders)
            async let load = driver.post(planned)
            // Join while every sender has requests in flight.
            let busy = try await eventually(timeout: .seconds(30), every: .milliseconds(100)) {
                try env.file.unfinishedBySender().count == Self.senderCount
            }
            #expect(busy, "not every sender had unfinished work before the third worker joined")
            let marks = (worker1.logMark, worker2.logMark)
            let leasesBefore = try env.file.leases()
            let worker3 = try await env.stack.startWorker(3, configPath: configs[2])
            step("third worker assigned")
            tally.add(await load)
            #expect(tally.acceptedAnswers == Self.requestCount)

            let records = try await StoreView.waitUntilSettled(env.store, ids: tally.accepted.keys, timeout: .seconds(60))
            step("store settled")
            let onChain = try await env.check.verify(records: records, accepted: tally.accepted)
            #expect(onChain == UInt64(Self.requestCount))
            #expect(records.count == Self.requestCount)

            // The old owners handed senders over (eager rebalancing revokes everything, so some
            // come straight back to them, released and taken again).
            let oldLogs = worker1.log(after: marks.0) + worker2.log(after: marks.1)
            let handedOver = Set(oldLogs.filter { $0.contains("partition revoked; handing the sender over") }.compactMap { LogLine.value(of: "from", in: $0) })
            #expect(!handedOver.isEmpty, "no sender was handed over when the third worker joined")
            // The new worker took senders on assignment and resumed their stored work.
            let resumed = worker3.log.split(separator: "\n").filter { $0.contains("[Pipeline] working the sender") }
            let movedToNew = resumed.filter { line in
                guard let sender = LogLine.value(of: "from", in: line) else { return false }
                return leasesBefore[sender] != nil
            }
            #expect(!movedToNew.isEmpty, "the third worker took none of the senders the others held: \(worker3.tail)")
            let resumedWork = movedToNew.compactMap { LogLine.value(of: "unfinished", in: $0).flatMap(Int.init) }.reduce(0, +)
            #expect(resumedWork > 0, "the third worker resumed no unfinished request of the senders it took over")
            // Nobody had to wait for a lease to run out: every lease was released, then taken.
            for (name, lines) in [("worker 1", worker1.log(after: marks.0)), ("worker 2", worker2.log(after: marks.1)), ("worker 3", worker3.log.split(separator: "\n"))] {
                let waits = lines.filter { $0.contains("the sender's lease is held by another worker; waiting") }
                #expect(waits.isEmpty, "\(name) waited for a lease another live worker held: \(waits.prefix(3))")
            }
            let attempts = try env.file.attempts()
            OwnershipOverlap.expectNoOverlap(attempts)
            let versions = try env.file.versionCounts()
            #expect(versions.values.allSatisfy { $0 == 1 }, "requests signed more than once: \(versions.filter { $0.value != 1 })")
            let leasesAfter = try env.file.leases()
            // A sender the new worker took is held under a newer epoch than before, so writes
            // fenced by the old owner's are refused. (A sender whose work was all done before
            // the rebalance is not taken again until its next request, and keeps its epoch.)
            let takenByNew = Set(movedToNew.compactMap { LogLine.value(of: "from", in: $0) })
            for sender in takenByNew {
                guard let before = leasesBefore[sender] else { continue }
                #expect((leasesAfter[sender]?.epoch ?? 0) > before.epoch, "\(sender) was taken by the new worker under its old epoch")
            }
            #expect(worker1.isRunning && worker2.isRunning && worker3.isRunning)
            print(
                "end-to-end handover: 200s \(tally.acceptedAnswers), on chain \(onChain), senders handed over \(handedOver.count), taken by the new worker \(movedToNew.count) with \(resumedWork) unfinished requests, attempts \(attempts.count) over \(Set(attempts.compactMap(\.endpoint)).count) endpoints, \(ContinuousClock.now - started)")
        }
    }
}
