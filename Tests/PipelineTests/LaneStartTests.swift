import BroadcastModel
import ChainRPC
import DevChainSupport
import EVMPrimitives
import Foundation
import Lifecycle
import Logging
import StatusStore
import Testing

@testable import Pipeline

extension OnChain {
    /// Issue 10: a sender's lane starts without a node call of its own when the worker read
    /// the sender's pending count ahead (at start, and when partitions are assigned).
    @Suite("Lane starts")
    struct LaneStartTests {
        /// The worker reads the count before the first request of the sender comes; the lane
        /// starts from it and the request takes the chain's next nonce (a transfer of the
        /// test's own went first).
        @Test func aLaneStartsFromThePendingCountReadAhead() async throws {
            try await withGround(blockTime: 3600) { ground in
                let logs = LogRecorder(level: .debug)
                let configuration = try ground.configuration()
                let request = Fixtures.request(weight: 40)
                // The sender (dev key 1) sent a transfer of its own before the worker started.
                let expected = try await withChainFacts(ground.chain) { chain throws in
                    try await chain.sendTransfer(fromDevKey: 1, to: try Address("0x" + String(repeating: "22", count: 20)))
                    return try await chain.rpc.transactionCount(of: Fixtures.sender, at: .pending)
                }
                let stored = try await whileWorkerRuns(configuration, logs: logs) { _ in
                    // The counts are read as the worker starts; its first request comes once
                    // they are in (a fixed pause was too short for a loaded machine).
                    _ = try await eventually("the worker's first pending counts read ahead", timeout: .seconds(60)) {
                        logs.lines(containing: "read ahead of the lanes' starts").contains { ($0.metadata["answered"].flatMap { Int($0) } ?? 0) > 0 }
                            ? true : nil
                    }
                    try await ground.produce(request)
                    return try await ground.request(request.id) { $0.status == .submitted }
                }
                #expect(stored.lifecycle.nonce == expected)
                let starts = logs.all.filter { $0.message == "working the sender" && $0.metadata["from"] == "\(Fixtures.sender)" }
                #expect(starts.count == 1)
                #expect(starts.first?.metadata["read_ahead"] == "true", "the lane read the count itself: \(starts.map(\.metadata))")
            }
        }

        /// A count is used once, and only while fresh.
        @Test func aCountReadAheadIsUsedOnceAndOnlyWhileFresh() throws {
            let sender = try Address("0x" + String(repeating: "11", count: 20))
            let now = ContinuousClock.now
            var ahead = NonceReadAhead(freshFor: .seconds(60))
            ahead.record(Nonce(7), for: sender, askedAt: now)
            #expect(ahead.take(sender, now: now + .seconds(60)) == Nonce(7))
            #expect(ahead.take(sender, now: now + .seconds(61)) == nil)

            ahead.record(Nonce(8), for: sender, askedAt: now)
            #expect(ahead.take(sender, now: now + .seconds(61)) == nil, "stale")
            #expect(ahead.take(sender, now: now) == nil, "a stale count is used up as well")

            // An answer to an older call does not replace a newer one.
            ahead.record(Nonce(9), for: sender, askedAt: now + .seconds(5))
            ahead.record(Nonce(3), for: sender, askedAt: now)
            #expect(ahead.take(sender, now: now + .seconds(6)) == Nonce(9))
        }
    }
}
