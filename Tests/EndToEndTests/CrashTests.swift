import BroadcastModel
import ChainRPC
import DevChainSupport
import EVMPrimitives
import Foundation
import Lifecycle
import KafkaTestSupport
import SQLiteStore
import StatusStore
import Testing

/// The real `broadcaster` binary as separate processes (API + workers) against a Tansu broker,
/// the local chain and one store (an SQLite file, or PostgreSQL with every process in a
/// folder of its own), killed with SIGKILL mid-load.
@Suite("End to end: kill -9 under load", .serialized)
struct CrashTests {
    static let senderCount = 6

    /// Runs `body` with a broker, a chain, a workspace with its configuration, and a stack whose
    /// processes are always killed afterwards.
    func withEnvironment(
        _ engine: EngineUnderTest, _ body: (Stack, ChainCheck, any StatusStoreEngine) async throws -> Void
    ) async throws {
        let senders = try Sender.devSenders(count: Self.senderCount)
        try await withTansu(topics: Topics.all) { broker in
            try await withDevChain(blockTime: 0.5) { chain in
                try await Workspace.with(engine: engine) { workspace in
                    let apiPort = try TansuBroker.unusedPort()
                    try workspace.writeConfiguration(broker: broker, rpcURL: chain.url, apiPort: apiPort, senders: senders)
                    let stack = Stack(workspace: workspace, apiPort: apiPort)
                    defer { stack.killAll() }
                    try await workspace.withStore { store in
                        try await withChainRPCClient(endpoints: [chain.url]) { rpc in
                            try await body(stack, ChainCheck(rpc: rpc, senders: senders), store)
                        }
                    }
                }
            }
        }
    }

    /// Waits (up to `timeout`) until the senders' latest nonces add up to `count`: what the
    /// store says was broadcast is mined.
    func waitForMined(_ count: Int, check: ChainCheck, timeout: Duration) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            var total = 0
            for sender in check.senders {
                total += Int(try await check.rpc.transactionCount(of: sender.address, at: .latest).value)
            }
            if total >= count { return }
            try await Task.sleep(for: .milliseconds(200))
        }
    }

    @Test("two workers share the partitions; kill -9 one mid-load; every 200 ends on chain exactly once", arguments: EngineUnderTest.allCases)
    func killOneWorker(engine: EngineUnderTest) async throws {
        let started = ContinuousClock.now
        try await withEnvironment(engine) { stack, check, store in
            _ = try await stack.startAPI()
            let worker1 = try await stack.startWorker(1)
            let worker2 = try await stack.startWorker(2)
            // Both are in the group once the first has been assigned again (the second join rebalances).
            try await Task.sleep(for: .seconds(1))
            #expect(worker1.log.contains("partitions assigned") && worker2.log.contains("partitions assigned"))

            let driver = LoadDriver(apiURL: stack.apiURL, concurrency: 6, pause: .milliseconds(30))
            let total = 120
            var tally = LoadTally()
            tally.add(await driver.post(LoadDriver.plan(0..<40, senders: check.senders)))
            // The rest flows while worker 1 dies: it still has requests of the first third in hand.
            async let rest = driver.post(LoadDriver.plan(40..<total, senders: check.senders))
            try await Task.sleep(for: .milliseconds(100))
            await worker1.kill9()
            let signedByWorker1 = worker1.lines(containing: "transaction signed")
            tally.add(await rest)
            #expect(tally.acceptedAnswers == total, "the API stayed up, so every POST should get a 200")

            // The survivor takes worker 1's partitions after the session timeout (6 s), then
            // works through what waited on them.
            let deadline = ContinuousClock.now + .seconds(40)
            while worker2.lines(containing: "partitions assigned") < 2, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(200))
            }
            // On assignment the survivor resumes what worker 1 stored from those partitions but
            // did not finish; no other process may help.
            let records = try await StoreView.waitUntilSettled(store, ids: tally.accepted.keys, timeout: .seconds(30))
            let unfinished = records.filter { !$0.status.isFinal }
            let stuck = unfinished.count + tally.accepted.keys.filter { id in
                !records.contains { $0.id == id }
            }.count
            if stuck > 0 {
                var known = 0
                for record in unfinished where try await check.rpc.transaction(record.lifecycle.currentHash) != nil { known += 1 }
                Issue.record(
                    "the survivor left \(stuck) requests unfinished after taking over (statuses \(unfinished.map(\.status.rawValue).sorted()), \(known) of them already known to the node)")
            }
            try await waitForMined(records.count, check: check, timeout: .seconds(10))
            let onChain = try await check.verify(records: records, accepted: tally.accepted)
            #expect(records.count == tally.accepted.count, "the store holds requests nobody got a 200 for")
            #expect(onChain == UInt64(tally.accepted.count))
            #expect(worker2.isRunning)
            #expect(signedByWorker1 > 0, "worker 1 signed nothing before it was killed: it did not share the load")
            #expect(worker2.lines(containing: "partitions assigned") >= 2, "worker 2 never took over worker 1's partitions")
            // Taking a sender over from the killed worker moves its lease to the next epoch.
            #expect(
                worker2.log.contains("[Pipeline] working the sender") && worker2.log.contains("epoch=2"),
                "worker 2 did not take over the senders of the partitions it was assigned")
            print(
                "end-to-end kill-one-worker (\(engine)): posted \(tally.posted), 200s \(tally.acceptedAnswers), stored \(records.count), on chain \(onChain), signed by worker 1 before its kill \(signedByWorker1), by worker 2 \(worker2.lines(containing: "transaction signed")), left unfinished \(stuck), \(ContinuousClock.now - started)")
            for line in worker2.log.split(separator: "\n") where line.contains("resuming unfinished requests of assigned partitions") {
                print("end-to-end kill-one-worker: worker 2: \(line)")
            }
        }
    }

    @Test("kill -9 the API and both workers while requests flow, restart them: nothing lost, nothing twice", arguments: EngineUnderTest.allCases)
    func killEverything(engine: EngineUnderTest) async throws {
        let started = ContinuousClock.now
        func step(_ what: String) { print("end-to-end kill-everything (\(engine)): \(what) at \(ContinuousClock.now - started)") }
        try await withEnvironment(engine) { stack, check, store in
            var api = try await stack.startAPI()
            var worker1 = try await stack.startWorker(1)
            var worker2 = try await stack.startWorker(2)

            let driver = LoadDriver(apiURL: stack.apiURL, concurrency: 6, pause: .milliseconds(30))
            var tally = LoadTally()
            tally.add(await driver.post(LoadDriver.plan(0..<30, senders: check.senders)))
            async let flowing = driver.post(LoadDriver.plan(30..<90, senders: check.senders))
            try await Task.sleep(for: .milliseconds(150))
            await api.kill9()
            await worker1.kill9()
            await worker2.kill9()
            tally.add(await flowing)
            step("killed API and workers")

            api = try await stack.startAPI()
            step("API restarted")
            worker1 = try await stack.startWorker(1, waitForAssignment: false)
            worker2 = try await stack.startWorker(2, waitForAssignment: false)
            try await worker1.waitForLog("partitions assigned", timeout: .seconds(45))
            step("worker 1 restarted and assigned")
            tally.add(await driver.post(LoadDriver.plan(90..<130, senders: check.senders)))
            step("posted the rest")

            let records = try await StoreView.waitUntilSettled(store, ids: tally.accepted.keys, timeout: .seconds(45))
            step("store settled")
            try await waitForMined(records.count, check: check, timeout: .seconds(10))
            let onChain = try await check.verify(records: records, accepted: tally.accepted)
            #expect(tally.acceptedAnswers == tally.accepted.count, "two 200s carried the same request id")
            // A POST cut by the kill may have reached the broker without its 200 reaching us:
            // at most those may be stored (and sent) beyond the 200s.
            #expect(records.count >= tally.accepted.count && records.count <= tally.accepted.count + tally.noAnswer)
            #expect(onChain == UInt64(records.count))
            #expect(api.isRunning && worker1.isRunning && worker2.isRunning)
            print(
                "end-to-end kill-everything: posted \(tally.posted) of 130 planned, 200s \(tally.acceptedAnswers), no answer \(tally.noAnswer), refused \(tally.refused), stored \(records.count), on chain \(onChain), \(ContinuousClock.now - started)")
        }
    }
}
