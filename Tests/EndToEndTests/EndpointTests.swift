import BroadcastModel
import DevChainSupport
import Foundation
import Lifecycle
import SQLiteStore
import StatusStore
import Testing

/// Item 8 of issue 7, several endpoints: a real worker with three endpoints in front of one
/// chain, the first of which drops every call.
@Suite("End to end: a worker with several endpoints, one of them dropping every call", .serialized)
struct EndpointTests {
    static let senderCount = 4

    @Test("endpoints [dropping, good, good]: every send reaches both good ones, reads go to the healthy first one, the dropping one is left alone after a few calls, every send counts once and every 200 is confirmed")
    func oneEndpointDropsEverything() async throws {
        let started = ContinuousClock.now
        try await withStackEnvironment(senderCount: Self.senderCount) { env in
            // Holds each call 0.4 s, then closes it unanswered without forwarding it.
            let dropping = try await env.proxy(
                FlakyProxy.Options(timeScale: 75, pSilent: 1, pError: 0, latencyMin: 20, latencyMax: 20, silentForwardFraction: 0))
            let reads = try await env.proxy(steadyNode(seconds: 0.3, seed: 2))
            let spare = try await env.proxy(steadyNode(seconds: 0.3, seed: 3))
            try env.configure(rpcURLs: [dropping.url, reads.url, spare.url])
            _ = try await env.stack.startAPI()
            let worker = try await env.stack.startWorker(1)
            let early = try await ProxyCounters.requests(dropping)

            let driver = LoadDriver(apiURL: env.stack.apiURL, concurrency: 4, pause: .milliseconds(50))
            var tally = LoadTally()
            tally.add(await driver.post(LoadDriver.plan(0..<32, senders: env.check.senders)))
            #expect(tally.acceptedAnswers == 32)
            let records = try await StoreView.waitUntilSettled(env.store, ids: tally.accepted.keys, timeout: .seconds(60))
            let onChain = try await env.check.verify(records: records, accepted: tally.accepted)
            #expect(onChain == 32)

            let attempts = try env.file.attempts()
            let counts = (
                dropping: try await ProxyCounters.requests(dropping), reads: try await ProxyCounters.requests(reads),
                spare: try await ProxyCounters.requests(spare))
            // Reads never fail on the second endpoint, so the third hears only sends: exactly
            // one per attempt the store recorded. Every send reached it, and each is one attempt.
            #expect(counts.spare == attempts.count, "the last endpoint got \(counts.spare) calls for \(attempts.count) recorded sends")
            #expect(attempts.allSatisfy { $0.outcome == "accepted" }, "sends not accepted: \(attempts.filter { $0.outcome != "accepted" }.map(\.outcome))")
            let droppingEndpoint = try #require(URL(string: dropping.url)?.port).description
            #expect(!attempts.contains { $0.endpoint?.hasSuffix(":\(droppingEndpoint)") == true }, "an attempt is recorded at the dropping endpoint")
            for record in records {
                #expect(record.lifecycle.sends == attempts.count { $0.requestID == record.id.description }, "request \(record.id): sends and attempt rows disagree")
            }
            // Reads and sends both go to the second endpoint; the dropping first one, tried
            // first by every read while it seemed healthy, cools down after a few failures.
            #expect(counts.reads > counts.spare, "reads did not go to the healthy endpoint")
            #expect(counts.dropping < counts.reads / 4, "the dropping endpoint got \(counts.dropping) calls, the healthy one \(counts.reads)")
            #expect(worker.isRunning)
            print(
                "end-to-end endpoints: attempts \(attempts.count); calls at the dropping endpoint \(counts.dropping) (\(early) before the load), at the reading one \(counts.reads), at the last one \(counts.spare); failovers logged \(worker.lines(containing: "trying the next endpoint")), on chain \(onChain), \(ContinuousClock.now - started)")
        }
    }
}
