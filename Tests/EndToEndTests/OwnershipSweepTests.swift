import BroadcastModel
import DevChainSupport
import Foundation
import KafkaTestSupport
import SQLiteStore
import StatusStore
import Testing

/// Item 5 of issue 7: the sweep for orphaned work. A worker killed -9 leaves senders with
/// unfinished requests and no live lease. The survivor is assigned their partitions while its
/// node is away, so it cannot start them then (it releases their leases again); no message of
/// those partitions is left to consume, so nothing but the sweep brings them back once the
/// node returns.
@Suite("End to end: the orphan sweep takes over a dead worker's senders", .serialized)
struct OwnershipSweepTests {
    static let senderCount = 4

    @Test("worker killed -9 holding unfinished senders, survivor assigned their partitions with its node away: the sweep takes them over once the node is back; every 200 confirmed once")
    func sweepTakesOrphans() async throws {
        let started = ContinuousClock.now
        func step(_ what: String) { print("end-to-end sweep: \(what) at \(ContinuousClock.now - started)") }
        try await withStackEnvironment(senderCount: Self.senderCount) { env in
            let first = try await env.proxy(steadyNode(seconds: 1.5))
            let survivorPort = try TansuBroker.unusedPort()
            var survivorNode = try await env.proxy(steadyNode(seconds: 0.5, seed: 2), port: survivorPort)
            let adjust: (inout [String: Any]) -> Void = { $0.merge("worker", ["leaseLength": 4]) }
            try env.configure(rpcURLs: [first.url], adjust: adjust)
            // The survivor reads each count when a lane starts: with counts read ahead while its
            // node was up, it would start the orphans at once and the sweep would find nothing.
            try env.configure(rpcURLs: [survivorNode.url], named: "survivor") {
                $0.merge("worker", ["leaseLength": 4, "nonceReadAhead": 0])
            }
            _ = try await env.stack.startAPI()
            let doomed = try await env.stack.startWorker(1)
            let survivor = try await env.stack.startWorker(2, configPath: env.workspace.configPath(named: "survivor"))
            let doomedOwner = try #require(doomed.owner)
            step("two workers in the group")

            let driver = LoadDriver(apiURL: env.stack.apiURL, concurrency: 4, pause: .milliseconds(30))
            var tally = LoadTally()
            tally.add(await driver.post(LoadDriver.plan(0..<24, senders: env.check.senders)))
            #expect(tally.acceptedAnswers == 24)
            // Everything consumed and stored (so no message is left for the survivor's intake),
            // and the doomed worker holds senders with requests not final.
            var orphans: Set<String> = []
            let ready = try await eventually(timeout: .seconds(30), every: .milliseconds(50)) {
                guard try env.file.requestCount() == 24 else { return false }
                let unfinished = try env.file.unfinishedBySender()
                orphans = Set(try env.file.leases().values.filter { $0.owner == doomedOwner && (unfinished[$0.sender] ?? 0) > 0 }.map(\.sender))
                return !orphans.isEmpty
            }
            try #require(ready, "the first worker held no unfinished sender once everything was stored: \(doomed.tail)")
            await survivorNode.stop()
            await doomed.kill9()
            let mark = survivor.logMark
            step("worker 1 killed holding \(orphans.count) unfinished senders; the survivor's node is away")

            // The survivor is assigned the dead worker's partitions and cannot start their senders.
            let refused = try await eventually(timeout: .seconds(45)) {
                let lines = survivor.log(after: mark).filter { $0.contains("cannot start working the sender yet") }
                return orphans.isSubset(of: Set(lines.compactMap { LogLine.value(of: "from", in: $0) }))
            }
            try #require(refused, "the survivor never tried the orphaned senders: \(survivor.tail)")
            let leases = try env.file.leases()
            #expect(orphans.allSatisfy { (leases[$0]?.expiresAt ?? 1) <= storeMillis() }, "an orphaned sender's lease is held: \(leases)")
            step("the survivor gave the orphaned senders back (node away)")

            // The node returns at its address; the next sweep brings the senders back.
            let back = survivor.logMark
            survivorNode = try await env.proxy(steadyNode(seconds: 0.5, seed: 3), port: survivorPort)
            // Sweeps come every 15 s and each start asks the node first: on a loaded machine
            // the first sweeps after the node's return may still find its calls failing.
            let swept = try await eventually(timeout: .seconds(90)) {
                let lines = survivor.log(after: back)
                let taken = Set(lines.filter { $0.contains("[Pipeline] working the sender") }.compactMap { LogLine.value(of: "from", in: $0) })
                return orphans.isSubset(of: taken)
            }
            #expect(swept, "the sweep did not take the orphaned senders over: \(survivor.tail)")
            let afterBack = survivor.log(after: back)
            for sender in orphans {
                let sweptLine = afterBack.firstIndex { $0.contains("taking over unfinished work nobody holds") && LogLine.value(of: "from", in: $0) == sender }
                let working = afterBack.firstIndex { $0.contains("[Pipeline] working the sender") && LogLine.value(of: "from", in: $0) == sender }
                if let sweptLine, let working {
                    #expect(sweptLine < working, "\(sender) was working before the sweep took it")
                } else {
                    Issue.record("\(sender) was not started by the sweep after the node came back")
                }
            }
            // Nothing new was consumed for them: the survivor signed nothing after the kill.
            #expect(!survivor.log(after: mark).contains { $0.contains("transaction signed") }, "the survivor consumed new requests; the sweep was not alone")
            step("swept")

            let records = try await StoreView.waitUntilSettled(env.store, ids: tally.accepted.keys, timeout: .seconds(40))
            let onChain = try await env.check.verify(records: records, accepted: tally.accepted)
            #expect(onChain == 24 && records.count == 24)
            #expect(survivor.isRunning)
            print(
                "end-to-end sweep: orphaned senders \(orphans.count), refused starts \(survivor.log(after: mark).count { $0.contains("cannot start working the sender yet") }), sweeps \(survivor.lines(containing: "taking over unfinished work nobody holds")), on chain \(onChain), \(ContinuousClock.now - started)")
        }
    }
}
