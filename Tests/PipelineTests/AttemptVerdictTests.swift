import BroadcastModel
import BroadcasterConfig
import ChainRPC
import DevChainSupport
import EVMPrimitives
import EVMSigning
import Foundation
@testable import Pipeline
import StatusStore
import Synchronization
import Testing

/// What each real answer of the local node leads to, through the worker's own attempt runner,
/// the production retry policy and a real store: the stored status, the attempt's outcome,
/// the published event and the retry schedule.
@Suite("Broadcast attempts against the local node", .serialized)
struct AttemptVerdictTests {
    let policy = BroadcasterConfiguration().retry

    @Test func aTransactionTheNodeTakesIsBroadcast() async throws {
        try await withDevChain { chain in
            try await withChainRPCClient(endpoints: [chain.url]) { node in
                let attempt = try await Attempts(node: node)
                let record = try await attempt.signed()
                let next = await attempt.runner(policy: policy).attempt(record)
                guard case .done = next else { throw HarnessError("expected done, got \(next)") }
                let stored = try #require(try await attempt.store.record(record.id))
                #expect(stored.status == .broadcast)
                #expect(try await attempt.store.attempts(of: record.id).map(\.outcome) == [.accepted])
                #expect(attempt.published.statuses == [.broadcast])
                #expect(try await node.transaction(record.hash) != nil)
            }
        }
    }

    @Test func aSendThatTimedOutButLandedIsRetriedThenRecognisedAsOurs() async throws {
        // Every call is held past the client's timeout, but reaches the node.
        let silent = FlakyProxy.Options(seed: 3, timeScale: 100, pSilent: 1, pError: 0, silentForwardFraction: 1)
        try await withDevChain { chain in
            try await withChainRPCClient(endpoints: [chain.url]) { node in
                let attempt = try await Attempts(node: node)
                let record = try await attempt.signed()
                let first = try await withFlakyProxy(upstream: chain.url, options: silent) { proxy in
                    try await withChainRPCClient(endpoints: [proxy.url], callTimeout: .milliseconds(300)) { flaky in
                        await attempt.runner(policy: policy, rpc: flaky).attempt(record)
                    }
                }
                guard case .retry(let delay, let retrying) = first else { throw HarnessError("expected a retry, got \(first)") }
                // The production policy: 2 s after the first failure, ±20 %.
                #expect(delay >= .milliseconds(1600) && delay <= .milliseconds(2400), "\(delay)")
                #expect(retrying.status == .retrying)
                #expect(retrying.lastError?.contains("no answer within the call timeout") == true, "\(retrying.lastError ?? "")")
                _ = try await eventually("the timed-out send to be mined") { try await node.transactionReceipt(record.hash) }

                let second = await attempt.runner(policy: policy).attempt(retrying)
                guard case .done = second else { throw HarnessError("expected done, got \(second)") }
                let stored = try #require(try await attempt.store.record(record.id))
                #expect(stored.status == .broadcast, "\(stored.lastError ?? "")")
                #expect(try await attempt.store.attempts(of: record.id).map(\.outcome) == [.retryable, .accepted])
                #expect(attempt.published.statuses == [.retrying, .broadcast])
                #expect(try await node.transactionCount(of: attempt.sender, at: .latest) == record.nonce.next)
            }
        }
    }

    @Test func aNonceTakenByAnotherTransactionFailsAtOnce() async throws {
        try await withDevChain { chain in
            try await withChainRPCClient(endpoints: [chain.url]) { node in
                let attempt = try await Attempts(node: node)
                let record = try await attempt.signed()
                // Someone else with the key spends the nonce first.
                let other = try attempt.key.sign(
                    .eip1559(
                        EIP1559Transaction(
                            chainID: attempt.chainID, nonce: record.nonce, maxPriorityFeePerGas: .gwei(1),
                            maxFeePerGas: .gwei(50), gas: Gas(21_000), to: Fixtures.contract, value: Wei(1))))
                _ = try await node.sendRawTransaction(other.raw)
                _ = try await eventually("the other transaction mined") { try await node.transactionReceipt(other.hash) }

                let next = await attempt.runner(policy: policy).attempt(record)
                guard case .done = next else { throw HarnessError("expected done, got \(next)") }
                let stored = try #require(try await attempt.store.record(record.id))
                #expect(stored.status == .failed)
                #expect(stored.lastError?.contains("nonce was used by another transaction") == true, "\(stored.lastError ?? "")")
                #expect(try await attempt.store.attempts(of: record.id).map(\.outcome) == [.rejected])
            }
        }
    }

    @Test func aTransactionTheNodeRefusesForGoodFailsAtOnceWithItsReason() async throws {
        try await withDevChain { chain in
            try await withChainRPCClient(endpoints: [chain.url]) { node in
                // Signed for chain 1: the node never takes it, however often it is sent.
                let attempt = try await Attempts(node: node, chainID: ChainID(1))
                let record = try await attempt.signed()
                let next = await attempt.runner(policy: policy).attempt(record)
                guard case .done = next else { throw HarnessError("expected done, got \(next)") }
                let stored = try #require(try await attempt.store.record(record.id))
                #expect(stored.status == .failed)
                #expect(stored.attempts == 1)
                #expect(stored.lastError?.contains("invalid chain id") == true, "\(stored.lastError ?? "")")
                #expect(try await attempt.store.attempts(of: record.id).map(\.outcome) == [.rejected])
            }
        }
    }

    @Test func noAnswerIsRetriedOnTheProductionScheduleThenFailsAfterThreeAttempts() async throws {
        try await withDevChain { chain in
            try await withChainRPCClient(endpoints: [chain.url]) { node in
                let attempt = try await Attempts(node: node)
                var record = try await attempt.signed()
                // Nothing listens on port 9 of this host: every call is refused.
                try await withChainRPCClient(endpoints: ["http://127.0.0.1:9"], callTimeout: .seconds(2)) { nowhere in
                    let runner = attempt.runner(policy: policy, rpc: nowhere)
                    var delays: [Duration] = []
                    while case .retry(let delay, let updated) = await runner.attempt(record) {
                        delays.append(delay)
                        record = updated
                        #expect(updated.status == .retrying)
                        #expect(updated.nextAttemptAt != nil)
                    }
                    #expect(delays.count == 2)
                    if delays.count == 2 {
                        #expect(delays[0] >= .milliseconds(1600) && delays[0] <= .milliseconds(2400), "\(delays)")
                        #expect(delays[1] >= .milliseconds(3200) && delays[1] <= .milliseconds(4800), "\(delays)")
                    }
                }
                let stored = try #require(try await attempt.store.record(record.id))
                #expect(stored.status == .failed)
                #expect(stored.lastError?.contains("gave up after 3 attempts") == true, "\(stored.lastError ?? "")")
                #expect(try await attempt.store.attempts(of: record.id).map(\.outcome) == [.retryable, .retryable, .retryable])
                let metrics = String(decoding: attempt.metrics.exposition(), as: UTF8.self)
                #expect(metrics.contains(#"broadcaster_worker_retries_total{stage="broadcast",class="retryLater"} 2"#), "\(metrics)")
            }
        }
    }

    @Test func aSenderWithoutFundsIsRetriedAsWaitingForFunds() async throws {
        try await withDevChain { chain in
            try await withChainRPCClient(endpoints: [chain.url]) { node in
                // Key 0x…0b is not one of the funded dev accounts.
                let attempt = try await Attempts(node: node, key: try PrivateKey(hex: "0x" + String(repeating: "0", count: 62) + "0b"))
                let record = try await attempt.signed()
                let next = await attempt.runner(policy: policy).attempt(record)
                guard case .retry(_, let updated) = next else { throw HarnessError("expected a retry, got \(next)") }
                #expect(updated.status == .retrying)
                #expect(updated.lastError?.contains("insufficient funds") == true, "\(updated.lastError ?? "")")
                let metrics = String(decoding: attempt.metrics.exposition(), as: UTF8.self)
                #expect(metrics.contains(#"broadcaster_worker_retries_total{stage="broadcast",class="waitForFunds"} 1"#), "\(metrics)")
            }
        }
    }
}

/// One sender's signed request in a fresh store, ready for attempts against `node`.
private struct Attempts {
    let node: ChainRPCClient
    let key: Signer
    let chainID: ChainID
    let store: SQLiteStatusStore
    let metrics = WorkerMetrics()
    let published = PublishedEvents()

    var sender: Address { key.address }

    init(node: ChainRPCClient, chainID: ChainID? = nil, key: PrivateKey? = nil) async throws {
        self.node = node
        self.key = Signer(key: try key ?? PrivateKey(hex: "0x" + String(repeating: "0", count: 63) + "1"))
        if let chainID {
            self.chainID = chainID
        } else {
            self.chainID = try await node.chainID()
        }
        store = try SQLiteStatusStore.inMemory()
        try await store.reconcileNonce(sender: self.key.address, chainNext: try await node.transactionCount(of: self.key.address, at: .pending))
    }

    /// Intakes the mission's request from this sender; the stored, signed record.
    func signed() async throws -> TransactionRecord {
        var request = Fixtures.request()
        request.from = sender
        let signer = RequestSigner(
            chainID: chainID, maxFeePerGas: .gwei(50), maxPriorityFeePerGas: .gwei(1), signers: [key],
            gasLimits: [request.function: Gas(100_000)])
        let results = try await store.intake(
            [ConsumedMessage(request: request, position: ConsumedPosition(group: "g", topic: "t", partition: 0, offset: 0))],
            sign: signer.sign)
        guard case .new(let record)? = results.first else { throw HarnessError("intake did not store the request: \(results)") }
        return record
    }

    func runner(policy: RetryPolicy, rpc: ChainRPCClient? = nil) -> BroadcastAttemptRunner {
        BroadcastAttemptRunner(rpc: rpc ?? node, store: store, policy: policy, publisher: published, metrics: metrics, logger: testLogger)
    }
}

/// The status events an attempt runner published, in order.
private final class PublishedEvents: StatusPublisher {
    private let events = Mutex<[StatusEvent]>([])

    func publish(_ event: StatusEvent) { events.withLock { $0.append(event) } }
    var statuses: [TransactionStatus] { events.withLock { $0.map(\.status) } }
}
