import AsyncHTTPClient
import BroadcastModel
import DevChainSupport
import Foundation
import KafkaTestSupport
import NIOCore
import NIOHTTP1
import SQLiteStore
import StatusStore
import Testing

/// Item 7 of issue 7, back-pressure: with the node refusing connections, a worker stops taking
/// from Kafka once `worker.maxUnsent` stored requests wait for a node, and takes the rest once
/// the node is back. A slow node is not an absent one: sends it is being handed do not wait
/// for a node, and intake goes on past the bound while their answers take their time.
@Suite("End to end: intake stops while the node is away", .serialized)
struct BackpressureTests {
    static let maxUnsent = 4
    static let batchSize = 4

    @Test("node slow to answer sends: intake goes past the bound while every send is out at the node, and everything is confirmed")
    func sendsOutAtASlowNodeDoNotWait() async throws {
        let started = ContinuousClock.now
        func step(_ what: String) { print("end-to-end back-pressure, slow node: \(what) at \(ContinuousClock.now - started)") }
        // Sends (alone or in a batch) are forwarded at once and answered after 15 s; every other
        // call passes straight through.
        var slowSends = steadyNode(seconds: 15)
        slowSends.faultMethods = ["eth_sendRawTransaction"]
        // No block before the answers: a send the chain mined would stop counting as unsent
        // whatever intake's bound thinks of sends at the node.
        try await withStackEnvironment(senderCount: 4, blockTime: 60) { env in
            let node = try await env.proxy(slowSends)
            try env.configure(rpcURLs: [node.url]) {
                $0.merge("worker", ["maxUnsent": Self.maxUnsent, "intakeBatchSize": Self.batchSize])
                $0.merge("rpc", ["callTimeout": 40])
            }
            _ = try await env.stack.startAPI()
            let worker = try await env.stack.startWorker(1)
            let driver = LoadDriver(apiURL: env.stack.apiURL, concurrency: 4, pause: .zero)
            var tally = LoadTally()
            tally.add(await driver.post(LoadDriver.plan(0..<24, senders: env.check.senders)))
            step("24 requests acknowledged")
            #expect(tally.acceptedAnswers == 24)

            // The first sends are answered 15 s after they went out; counted as waiting for a
            // node they would hold intake at the bound plus one batch until then. (It may pause
            // for a moment while a batch's sends are on their way to the wire.)
            let intakeBegan = try await eventually(timeout: .seconds(30)) { try env.file.requestCount() > 0 }
            try #require(intakeBegan, "the worker stored nothing: \(worker.tail)")
            step("intake began")
            var stored = 0
            let allStored = try await eventually(timeout: .seconds(8)) {
                stored = try env.file.requestCount()
                return stored == 24
            }
            step("stored \(stored) of 24")
            #expect(allStored, "intake stored \(stored) of 24 while every send was out at the node: \(worker.tail)")

            // Blocks come quickly from now on.
            let chain = env.chain
            let miner = Task {
                while !Task.isCancelled {
                    _ = try? await chain.mine(blocks: 1)
                    try? await Task.sleep(for: .milliseconds(300))
                }
            }
            defer { miner.cancel() }
            let records = try await StoreView.waitUntilSettled(env.store, ids: tally.accepted.keys, timeout: .seconds(90))
            step("store settled")
            #expect(records.count == 24)
            #expect(records.allSatisfy { $0.status == .confirmed }, "\(records.map(\.status))")
            let onChain = try await env.check.verify(records: records, accepted: tally.accepted)
            #expect(onChain == 24)
            #expect(worker.isRunning)
        }
    }

    @Test("node refusing connections: stored requests stop at the bound plus one batch, offsets stay, lag grows, memory stays flat; the node back, everything is confirmed")
    func intakeWaitsForTheNode() async throws {
        let started = ContinuousClock.now
        func step(_ what: String) { print("end-to-end back-pressure: \(what) at \(ContinuousClock.now - started)") }
        try await withStackEnvironment(senderCount: 2) { env in
            let port = try TansuBroker.unusedPort()
            var node = try await env.proxy(steadyNode(seconds: 0.2), port: port)
            try env.configure(rpcURLs: [node.url]) {
                $0.merge("worker", ["maxUnsent": Self.maxUnsent, "intakeBatchSize": Self.batchSize])
            }
            _ = try await env.stack.startAPI()
            let worker = try await env.stack.startWorker(1)
            let metrics = try #require(MetricsScrape(worker: worker), "the worker did not log its health address: \(worker.tail)")
            let driver = LoadDriver(apiURL: env.stack.apiURL, concurrency: 4, pause: .zero)
            var tally = LoadTally()

            // Warm up with the node there: the worker knows the chain's fees and holds both senders.
            tally.add(await driver.post(LoadDriver.plan(0..<4, senders: env.check.senders)))
            let warm = try await StoreView.waitUntilSettled(env.store, ids: tally.accepted.keys, timeout: .seconds(30))
            try #require(warm.count == 4 && warm.allSatisfy { $0.status == .confirmed }, "the warm-up did not confirm: \(worker.tail)")
            step("warm-up confirmed")

            // The node goes away: every connection is refused.
            await node.stop()
            tally.add(await driver.post(LoadDriver.plan(4..<64, senders: env.check.senders)))
            step("60 requests acknowledged while the node is away")
            try await worker.waitForLog("intake paused", timeout: .seconds(30))
            // Intake checks the bound before each batch: at most one batch beyond it is stored.
            var most = 0
            for _ in 0..<20 {
                most = max(most, try env.file.requestCount() - 4)
                try await Task.sleep(for: .milliseconds(200))
            }
            let offsetsWhilePaused = try env.file.storedOffsets()
            let memoryWhilePaused = worker.residentKiB ?? 0
            step("stored beyond the warm-up: at most \(most); stored offsets \(offsetsWhilePaused.values.reduce(0, +))")
            #expect(most >= Self.maxUnsent, "intake stopped before reaching its bound: \(most) stored")
            #expect(most <= Self.maxUnsent + Self.batchSize, "intake stored \(most) requests while \(Self.maxUnsent) + one batch of \(Self.batchSize) may wait")

            // More arrive: Kafka keeps them, nothing moves in the store, the lag grows.
            let lagBefore = try await metrics.consumerLag()
            // One at a time: Tansu reports a partition's high watermark as its last record batch's
            // first offset plus one, so a batch of three records counts as one. POSTs in flight
            // together share batches; one POST at a time makes each batch one record, and the
            // watermarks exact.
            let oneAtATime = LoadDriver(apiURL: env.stack.apiURL, concurrency: 1, pause: .zero)
            tally.add(await oneAtATime.post(LoadDriver.plan(64..<184, senders: env.check.senders)))
            step("120 more acknowledged")
            // The monitor samples the lag every 5 s: wait for a sample that counts all 120 (or
            // give up after 30 s).
            var lagAfter = try await metrics.consumerLag()
            _ = try await eventually(timeout: .seconds(30)) {
                lagAfter = try await metrics.consumerLag()
                return lagAfter >= lagBefore + 120
            }
            #expect(try env.file.requestCount() - 4 <= Self.maxUnsent + Self.batchSize, "intake took more while paused")
            #expect(try env.file.storedOffsets() == offsetsWhilePaused, "stored offsets moved while intake was paused")
            #expect(lagAfter >= lagBefore + 120, "the consumer lag went from \(lagBefore) to \(lagAfter) with 120 more messages waiting")
            let backlog = try await metrics.value(of: "broadcaster_worker_backlog")
            #expect(backlog <= Double(Self.maxUnsent + Self.batchSize), "\(backlog) requests wait in the worker's memory")
            let memoryAfter = worker.residentKiB ?? 0
            // A heap growing with the backlog would grow with each of the 120 messages; the
            // buffers that feed intake are bounded, so this is noise. Printed, and bounded loosely.
            step("lag \(lagBefore) → \(lagAfter); backlog in memory \(backlog); resident memory \(memoryWhilePaused) KiB → \(memoryAfter) KiB")
            #expect(memoryAfter - memoryWhilePaused < 32 * 1024, "the worker grew by \(memoryAfter - memoryWhilePaused) KiB while the backlog waited in Kafka")

            // The node comes back at the same address: intake resumes and everything lands.
            node = try await env.proxy(steadyNode(seconds: 0.2), port: port)
            try await worker.waitForLog("intake resumed", timeout: .seconds(30))
            step("node back, intake resumed")
            let records = try await StoreView.waitUntilSettled(env.store, ids: tally.accepted.keys, timeout: .seconds(80))
            step("store settled")
            #expect(tally.acceptedAnswers == 184)
            let onChain = try await env.check.verify(records: records, accepted: tally.accepted)
            #expect(onChain == 184)
            #expect(records.count == 184)
            #expect(worker.isRunning)
            print(
                "end-to-end back-pressure: stored while paused at most \(most) (bound \(Self.maxUnsent) + batch \(Self.batchSize)), lag \(lagBefore) → \(lagAfter), backlog in memory \(backlog), resident \(memoryWhilePaused) → \(memoryAfter) KiB, pauses logged \(worker.lines(containing: "intake paused")), on chain \(onChain), \(ContinuousClock.now - started)")
        }
    }
}

/// A worker's `/metrics`, scraped.
struct MetricsScrape {
    let url: String

    init?(worker: BroadcasterProcess) {
        guard let line = worker.log.split(separator: "\n").first(where: { $0.contains("worker health server listening") }),
              let address = LogLine.value(of: "address", in: line)
        else { return nil }
        url = "http://\(address)/metrics"
    }

    /// The sum of every sample of `name` (all label sets).
    func value(of name: String) async throws -> Double {
        let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: url), timeout: .seconds(5))
        let text = String(buffer: try await response.body.collect(upTo: 1 << 22))
        var total = 0.0
        for line in text.split(separator: "\n") where line.hasPrefix(name + " ") || line.hasPrefix(name + "{") {
            total += Double(line.split(separator: " ").last ?? "") ?? 0
        }
        return total
    }

    /// Messages of the requests topic not yet stored as consumed, over the worker's partitions.
    func consumerLag() async throws -> Double { try await value(of: "broadcaster_worker_consumer_lag") }
}
