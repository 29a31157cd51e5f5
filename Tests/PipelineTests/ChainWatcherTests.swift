import ChainRPC
import DevChainSupport
import EVMPrimitives
import Foundation
import Lifecycle
import Synchronization
import Testing

@testable import Pipeline

extension OnChain {
    /// Issue 10: the watcher asks for the blocks above its head and their receipts in one wave,
    /// without asking the head's number first.
    @Suite("The chain watcher")
    struct ChainWatcherTests {
        /// Ten blocks at once (more than the first round's four asked): the watcher catches up
        /// and reports each tracked transaction with exactly its receipt, none of the untracked
        /// one; a node without `eth_getBlockReceipts` is asked the receipts one by one, said
        /// once in the log.
        @Test(arguments: [false, true])
        func trackedTransactionsAreReportedWithTheirReceipts(nodeLacksBlockReceipts: Bool) async throws {
            let options = DevChain.Options(withoutMethods: nodeLacksBlockReceipts ? ["eth_getBlockReceipts"] : [])
            try await withDevChain(blockTime: 3600, options: options) { chain in
                let calls = CallCounter()
                let configuration = try ChainRPCConfiguration(endpoints: [try RPCEndpoint(chain.url)])
                try await withChainRPCClient(configuration, observer: calls) { rpc in
                    try await withChainFacts(chain) { facts in
                        let logs = LogRecorder()
                        let observer = RecordingObserver()
                        let watcher = ChainWatcher(
                            rpc: rpc, observer: observer,
                            settings: .init(window: 16, pollInterval: .milliseconds(100)), logger: logs.logger)
                        try await withThrowingTaskGroup(of: Void.self) { group in
                            group.addTask { await watcher.run() }
                            defer { group.cancelAll() }
                            let start = try #require(try await Self.eventually { await observer.head }, "the watcher never read the head")

                            let recipient = try Address("0x" + String(repeating: "22", count: 20))
                            var tracked: [TxHash] = []
                            for key in 1...3 { tracked.append(try await facts.sendTransfer(fromDevKey: key, to: recipient)) }
                            let untracked = try await facts.sendTransfer(fromDevKey: 4, to: recipient)
                            await observer.track(tracked)
                            let mined = try await chain.mine(blocks: 10)
                            let top = try #require(mined.last)
                            #expect(mined.first?.transactionCount == 4)

                            let reached = try await Self.eventually { await observer.head.flatMap { $0 >= top.number ? $0 : nil } }
                            let last = await observer.head
                            #expect(reached == top.number, "the watcher stopped at \(String(describing: last)) below \(top.number) (from \(start))")
                            let inclusions = try #require(try await Self.eventually { await observer.inclusions.count >= 3 ? await observer.inclusions : nil })
                            #expect(Set(inclusions.map(\.hash)) == Set(tracked))
                            #expect(!inclusions.contains { $0.hash == untracked })
                            for inclusion in inclusions {
                                let receipt = try #require(try await facts.rpc.transactionReceipt(inclusion.hash))
                                #expect(inclusion == Inclusion(receipt))
                            }
                        }
                        let said = logs.lines(containing: "no eth_getBlockReceipts").count
                        #expect(said == (nodeLacksBlockReceipts ? 1 : 0))
                        // Never the head's number (the first round asks for the latest block);
                        // receipts one by one only from a node without block receipts (which
                        // is asked for them only once).
                        #expect(calls.count("eth_blockNumber") == 0)
                        if nodeLacksBlockReceipts {
                            #expect(calls.count("eth_getTransactionReceipt") >= 3)
                            #expect(calls.count("eth_getBlockReceipts") <= 4, "asked again after the node said it has none")
                        } else {
                            #expect(calls.count("eth_getTransactionReceipt") == 0)
                        }
                    }
                }
            }
        }

        /// Issue 10: a block mined just after a wave was sent waits for the next wave's answer,
        /// so behind a slow node waves overlap: more than one is in flight at once, never more
        /// than `wavesInFlight`, and answers taken in any order still follow the chain and
        /// report each tracked inclusion once.
        @Test func wavesOverlapBehindASlowNode() async throws {
            try await withDevChain(blockTime: 0.25) { chain in
                try await withFlakyProxy(upstream: chain.url, options: Self.slowNode(seconds: 1)) { proxy in
                    let calls = CallCounter()
                    let configuration = try ChainRPCConfiguration(endpoints: [try RPCEndpoint(proxy.url)])
                    try await withChainRPCClient(configuration, observer: calls) { rpc in
                        try await withChainFacts(chain) { facts in
                            let observer = RecordingObserver()
                            let watcher = ChainWatcher(
                                rpc: rpc, observer: observer,
                                settings: .init(window: 64, pollInterval: .milliseconds(100), wavesInFlight: 3), logger: LogRecorder().logger)
                            try await withThrowingTaskGroup(of: Void.self) { group in
                                group.addTask { await watcher.run() }
                                defer { group.cancelAll() }
                                _ = try #require(try await Self.eventually { await observer.head }, "the watcher never read the head")
                                let recipient = try Address("0x" + String(repeating: "33", count: 20))
                                var tracked: [TxHash] = []
                                for key in 1...3 { tracked.append(try await facts.sendTransfer(fromDevKey: key, to: recipient)) }
                                await observer.track(tracked)
                                let inclusions = try #require(
                                    try await Self.eventually { await observer.inclusions.count >= 3 ? await observer.inclusions : nil },
                                    "the watcher did not report the tracked transfers")
                                try await Task.sleep(for: .seconds(4))
                                let latest = try #require(try await facts.rpc.block(.latest)).number
                                let reached = try await Self.eventually { await observer.head.flatMap { $0 >= latest ? $0 : nil } }
                                #expect(reached != nil, "the watcher fell behind the chain's \(latest)")
                                #expect(Set(inclusions.map(\.hash)) == Set(tracked))
                                #expect(await observer.inclusions.count == 3, "an inclusion was reported twice")
                            }
                        }
                    }
                    // Each wave asks for the tip once: those calls' spans are the waves'.
                    let inFlight = calls.mostAtOnce("eth_maxPriorityFeePerGas")
                    #expect(inFlight >= 2, "waves went one after another behind a node taking a second a call")
                    #expect(inFlight <= 3, "\(inFlight) waves were in flight at once, more than the 3 allowed")
                }
            }
        }

        /// A round asks twice what the last one found, at least the minimum, at most the
        /// maximum; while every block asked is there it doubles and the next round starts at once.
        @Test func theLookaheadFollowsWhatTheChainMakes() {
            var lookahead = BlockLookahead(minimum: 4, maximum: 128)
            #expect(lookahead.span == 4)
            var all = lookahead.found(4)
            #expect(all && lookahead.span == 8)
            for _ in 0..<10 { lookahead.found(lookahead.span) }
            #expect(lookahead.span == 128)
            all = lookahead.found(128)
            #expect(all && lookahead.span == 128)
            all = lookahead.found(25)
            #expect(!all && lookahead.span == 50)
            all = lookahead.found(0)
            #expect(!all && lookahead.span == 4)
            #expect(BlockLookahead(minimum: 0, maximum: 0).span == 1)
        }

        /// Behind a slow node a wave asks for what the chain will have made by its answer: the
        /// time since the last answer and a round, at the chain's pace, a quarter more, within
        /// the bounds.
        @Test func aWaveReachesWhereTheChainWillBeWhenItIsAnswered() {
            let lookahead = BlockLookahead(minimum: 4, maximum: 128)
            var pace = ChainPace()
            #expect(lookahead.span(reaching: .seconds(30), pace: pace) == 4, "no pace yet: the lookahead's own span")
            pace.extended(from: (number: 100, timestamp: 5_000), to: (number: 100, timestamp: 5_003))
            pace.extended(from: (number: 100, timestamp: 5_000), to: (number: 110, timestamp: 5_000))
            #expect(pace.blockInterval == nil, "no new block, or no time between them, says nothing")
            pace.extended(from: (number: 100, timestamp: 5_000), to: (number: 110, timestamp: 5_010))
            #expect(pace.blockInterval == .seconds(1))
            // 5 s since the last answer, 25 s a round: 30 blocks, 38 with the margin, and one more.
            #expect(lookahead.span(reaching: .seconds(30), pace: pace) == 39)
            #expect(lookahead.span(reaching: .seconds(1), pace: pace) == 4, "never below the lookahead's span")
            #expect(lookahead.span(reaching: .seconds(3600), pace: pace) == 128, "never above the maximum")
            #expect(lookahead.span(reaching: .zero, pace: pace) == 4)
            // Smoothed: a burst of blocks in one second moves the estimate by a quarter.
            pace.extended(from: (number: 110, timestamp: 5_010), to: (number: 130, timestamp: 5_011))
            #expect(pace.blockInterval == .milliseconds(762.5))
        }

        /// A node answering every call after `seconds` (give or take a fifth).
        private static func slowNode(seconds: Double) -> FlakyProxy.Options {
            FlakyProxy.Options(timeScale: 25 / seconds, pSilent: 0, pError: 0, latencyMin: 20, latencyMax: 30)
        }

        private static func eventually<T: Sendable>(
            within timeout: Duration = .seconds(30), _ probe: () async throws -> T?
        ) async throws -> T? {
            let deadline = ContinuousClock.now + timeout
            while ContinuousClock.now < deadline {
                if let value = try await probe() { return value }
                try await Task.sleep(for: .milliseconds(50))
            }
            return try await probe()
        }
    }
}

/// Calls made, by method, with when each was in flight.
private final class CallCounter: RPCCallObserver {
    private let spans = Mutex<[String: [Range<ContinuousClock.Instant>]]>([:])
    func observe(_ call: RPCCallObservation) {
        let end = ContinuousClock.now
        spans.withLock { $0[call.method, default: []].append((end - call.duration)..<end) }
    }
    func count(_ method: String) -> Int { spans.withLock { $0[method]?.count ?? 0 } }

    /// The most calls of `method` that were in flight at one moment.
    func mostAtOnce(_ method: String) -> Int {
        let spans = spans.withLock { $0[method] ?? [] }
        // At each call's start, the calls that had started and not yet ended.
        var most = 0
        for span in spans {
            let moment: ContinuousClock.Instant = span.lowerBound
            let open = spans.filter { (other: Range<ContinuousClock.Instant>) -> Bool in other.contains(moment) }
            most = max(most, open.count)
        }
        return most
    }
}

/// Tracks the hashes it is told to and records what the watcher reports.
private actor RecordingObserver: ChainObserver {
    private var wanted: Set<TxHash> = []
    private(set) var inclusions: [Inclusion] = []
    private(set) var head: BlockNumber?

    func track(_ hashes: [TxHash]) { wanted.formUnion(hashes) }

    func tracked(_ hashes: [TxHash]) -> [TxHash] { hashes.filter(wanted.contains) }
    func included(_ inclusion: Inclusion) { inclusions.append(inclusion) }
    func reorganised(above forkPoint: BlockNumber) {}
    func head(_ head: BlockNumber, canonical: CanonicalBlocks, market: MarketFees?) { self.head = head }
}
