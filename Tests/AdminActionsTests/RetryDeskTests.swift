import AdminActions
import Admission
import BroadcastModel
import ChainRPC
import DevChainSupport
import EVMPrimitives
import EVMSigning
import KafkaTestSupport
import Lifecycle
import Foundation
import SQLiteStore
import StatusStore
import Testing

@Suite("Retrying a failed request from the dashboard", .serialized)
struct RetryDeskTests {
    @Test func aRequestThatIsNotFinalFailedOrRevertedIsRefused() async throws {
        try await RetryHarness.run { harness in
            try await harness.mineTransfers(3)
            let desk = harness.desk()
            let (_, produced) = try await harness.readingTopic(quiet: .seconds(2)) {
                for (nonce, status) in [(0, TransactionStatus.signed), (1, .submitted), (2, .confirmed)] {
                    let stored = try await harness.storeRequest(nonce: UInt64(nonce), status: status)
                    let preview = await desk.preview(stored.id)
                    #expect(preview.verdict.refusal == .notFailed(status), "\(status)")
                    #expect(preview.clickKey == nil)
                    let key = try #require(RetryClickKey("a-key-the-page-never-gave"))
                    let confirmed = await desk.confirm(stored.id, clickKey: key, by: "alice", reason: "try")
                    #expect(confirmed.failure?.reason == .notFailed(status), "\(status)")
                    #expect(try await harness.store.retriedAs(stored.id) == nil)
                    #expect(try await harness.store.audit(of: stored.id, limit: 10).isEmpty)
                }
                let unknown = RequestID()
                #expect(await desk.preview(unknown).verdict.refusal == .unknownRequest)
            }
            #expect(produced.isEmpty)
        }
    }

    @Test func aRequestOneOfWhoseHashesWasMinedIsRefused() async throws {
        try await RetryHarness.run { harness in
            // The store says failed, but the chain holds its transaction: a store behind the chain.
            let mined = try #require(try await harness.mineTransfers(1).first)
            let receipt = try #require(try await harness.chain.transactionReceipt(mined.hash))
            let stored = try await harness.storeRequest(nonce: 0, status: .failed, signed: mined)
            let desk = harness.desk()
            let (_, produced) = try await harness.readingTopic(quiet: .seconds(2)) {
                let preview = await desk.preview(stored.id)
                #expect(preview.verdict.refusal == .mined(mined.hash, block: receipt.blockNumber))
                #expect(preview.clickKey == nil)
                let key = try #require(RetryClickKey("0123456789abcdef0123456789abcdef"))
                let confirmed = await desk.confirm(stored.id, clickKey: key, by: "alice", reason: "looks failed")
                #expect(confirmed.failure?.reason == .mined(mined.hash, block: receipt.blockNumber))
                #expect(try await harness.store.retriedAs(stored.id) == nil)
            }
            #expect(produced.isEmpty)
        }
    }

    /// A failed request's cancellation took its nonce: that receipt is why it failed, not a
    /// reason to refuse. The call itself never ran, so it may be retried.
    @Test func aFailedRequestWhoseCancellationWasMinedMayBeRetried() async throws {
        try await RetryHarness.run { harness in
            let cancellation = try #require(try await harness.mineTransfers(1).first)
            let stored = try await harness.storeRequest(nonce: 0, status: .failed, cancellation: cancellation)
            #expect(stored.lifecycle.versions.map(\.kind) == [.original, .cancellation])
            let preview = await harness.desk().preview(stored.id)
            guard case .allowed(let evidence) = preview.verdict else {
                Issue.record("not allowed: \(preview.verdict)")
                return
            }
            #expect(evidence.hashesChecked == [stored.lifecycle.original.hash, cancellation.hash])
            #expect(evidence.nonceTakenBy == .cancellation(cancellation.hash))
            #expect(preview.clickKey != nil)
        }
    }

    /// A reverted request's receipt is on chain with a failed execution: the call had no effect,
    /// so it may be retried.
    @Test func aRevertedRequestWhoseReceiptSaysRevertedMayBeRetried() async throws {
        try await RetryHarness.run { harness in
            let reverter = try await harness.deployReverter()
            let call = try await harness.mine(to: reverter, data: RetryHarness.missionCalldata, gas: Gas(60_000))
            #expect(try await harness.receipt(call.hash)?.status == .reverted)
            // The deployment took nonce 0, the reverted call nonce 1.
            try await harness.storeRequest(nonce: 0, status: .failed)
            let stored = try await harness.storeRequest(nonce: 1, status: .reverted, signed: call)
            let preview = await harness.desk().preview(stored.id)
            guard case .allowed(let evidence) = preview.verdict else {
                Issue.record("not allowed: \(preview.verdict)")
                return
            }
            #expect(evidence.hashesChecked == [call.hash] && evidence.chainLatestNonce == Nonce(2))
            #expect(evidence.nonceTakenBy == .revertedCall(call.hash))
        }
    }

    @Test func aRequestWhoseNonceIsStillOpenIsRefused() async throws {
        try await RetryHarness.run { harness in
            try await harness.mineTransfers(1)
            let stored = try await harness.storeRequest(nonce: 3, status: .failed)
            let desk = harness.desk()
            #expect(await desk.preview(stored.id).verdict.refusal == .nonceOpen(nonce: Nonce(3), chainLatestNonce: Nonce(1)))
            let key = try #require(RetryClickKey("0123456789abcdef0123456789abcdef"))
            #expect(await desk.confirm(stored.id, clickKey: key, by: "alice", reason: nil).failure?.reason
                == .nonceOpen(nonce: Nonce(3), chainLatestNonce: Nonce(1)))
            #expect(try await harness.store.retriedAs(stored.id) == nil)
        }
    }

    /// The node holds the receipt calls without answering: each call is bounded by the desk
    /// (here 1 s, far below the client's own 60 s), and the retry is refused as unavailable.
    @Test func aNodeThatDoesNotAnswerRefusesTheRetryAsUnavailable() async throws {
        try await RetryHarness.run { harness in
            try await harness.mineTransfers(1)
            let stored = try await harness.storeRequest(nonce: 0, status: .failed)
            // Time scale 1: a silent call is held 45 s (latency-max 30 s × 1.5) before the proxy closes it.
            let silent = FlakyProxy.Options(timeScale: 1, pSilent: 1, pError: 0, faultMethods: ["eth_getTransactionReceipt"])
            try await withFlakyProxy(upstream: harness.nodeURL, options: silent) { proxy in
                try await withChainRPCClient(endpoints: [proxy.url], callTimeout: .seconds(60)) { slow in
                    let desk = harness.desk(chain: slow, chainCallTimeout: .seconds(1))
                    let preview = await desk.preview(stored.id)
                    #expect(preview.verdict.refusal == .chainUnavailable)
                    #expect(preview.clickKey == nil)
                    let key = try #require(RetryClickKey("0123456789abcdef0123456789abcdef"))
                    let confirmed = await desk.confirm(stored.id, clickKey: key, by: "alice", reason: nil)
                    #expect(confirmed.failure?.reason == .chainUnavailable)
                    #expect(confirmed.failure?.message.contains("no answer within 1") == true)
                    #expect(try await harness.store.retriedAs(stored.id) == nil)
                }
            }
        }
    }

    @Test func aDoubleSubmitMakesOneRequestAndOneLink() async throws {
        try await RetryHarness.run { harness in
            try await harness.mineTransfers(1)
            let stored = try await harness.storeRequest(nonce: 0, status: .failed)
            let desk = harness.desk()
            let preview = await desk.preview(stored.id)
            guard case .allowed(let evidence) = preview.verdict else {
                Issue.record("not allowed: \(preview.verdict)")
                return
            }
            #expect(evidence.hashesChecked == [stored.lifecycle.original.hash])
            #expect(evidence.chainLatestNonce == Nonce(1))
            #expect(evidence.nonceTakenBy == .anotherTransaction, "a transfer of the harness took nonce 0, none of its versions")
            let key = try #require(preview.clickKey)
            #expect(key.text.utf8.count >= 32)
            let (outcomes, produced) = try await harness.readingTopic {
                // Three submits at once, then two more after them.
                let concurrent = Collected<Result<RetryOutcome, RetryRefusal>>()
                await withTaskGroup(of: Void.self) { group in
                    for _ in 0..<3 {
                        group.addTask { concurrent.append(await desk.confirm(stored.id, clickKey: key, by: "alice", reason: "nonce taken by a manual send")) }
                    }
                }
                var all = concurrent.all
                for _ in 0..<2 { all.append(await desk.confirm(stored.id, clickKey: key, by: "alice", reason: "again")) }
                return all
            }
            let retries = try outcomes.map { try $0.get() }
            let retryID = try #require(retries.first?.retry)
            #expect(Set(retries.map(\.retry)) == [retryID])
            #expect(retries.filter { !$0.repeated }.count == 1)
            #expect(try await harness.store.retriedAs(stored.id) == retryID)
            #expect(produced.map(\.id) == [retryID])
            let retry = try #require(produced.first)
            #expect(retry.retryOf == stored.id)
            #expect(retry.data == stored.request.data && retry.from == stored.request.from && retry.to == stored.request.to)
            #expect(retry.messageType == stored.request.messageType && retry.function == stored.request.function)
            // The original keeps its status and history.
            #expect(try await harness.store.request(stored.id) == stored)
            let audit = try await harness.store.audit(of: stored.id, limit: 10)
            #expect(audit.map(\.entry.user) == ["alice"])
            #expect(audit.first?.entry.action == .retry)
            #expect(audit.first?.entry.details["retried_as"] == retryID.description)
            // A second preview now refuses.
            #expect(await desk.preview(stored.id).verdict.refusal == .alreadyRetried(retryID))

            // What a worker does with the message: admits it under its configuration and takes it
            // in, linked to the original (intake refuses a retry_of it does not hold).
            try Admission(configuration: RetryHarness.configuration).recheck(retry)
            let taken = try await harness.store.intake(
                [ConsumedMessage(request: retry, position: ConsumedPosition(group: "workers", topic: RetryHarness.topic, partition: 0, offset: 50))],
                fences: [RetryHarness.sender: harness.fence], retryDeadline: .seconds(600),
                sign: { request, nonce in
                    let raw = [0x02] + Array("stand-in \(request.id) \(nonce)".utf8)
                    return TransactionVersion(
                        number: 1, kind: .original, hash: try TxHash(bytes: Keccak256.hash(raw)), raw: raw,
                        fees: FeeCaps(maxFeePerGas: .gwei(30), maxPriorityFeePerGas: .gwei(1)), signedAt: Date())
                })
            guard case .new(let storedRetry) = taken.first else {
                Issue.record("the retry was not taken in: \(taken)")
                return
            }
            #expect(storedRetry.id == retryID && storedRetry.request.retryOf == stored.id)
        }
    }

    @Test func twoOperatorsWithTwoKeysMakeOneRetry() async throws {
        try await RetryHarness.run { harness in
            try await harness.mineTransfers(1)
            let stored = try await harness.storeRequest(nonce: 0, status: .reverted)
            let desk = harness.desk()
            let keys = [await desk.preview(stored.id).clickKey, await desk.preview(stored.id).clickKey].compactMap { $0 }
            #expect(keys.count == 2 && keys[0] != keys[1])
            let (outcomes, produced) = try await harness.readingTopic {
                let outcomes = Collected<(String, Result<RetryOutcome, RetryRefusal>)>()
                await withTaskGroup(of: Void.self) { group in
                    for (user, key) in zip(["alice", "bob"], keys) {
                        group.addTask { outcomes.append((user, await desk.confirm(stored.id, clickKey: key, by: user, reason: "reverted by a bug, fixed"))) }
                    }
                }
                return outcomes.all
            }
            let won = outcomes.compactMap { try? $0.1.get() }
            #expect(won.count == 1)
            let winner = try #require(won.first?.retry)
            #expect(outcomes.compactMap { $0.1.failure?.reason } == [.alreadyRetried(winner)])
            #expect(produced.map(\.id) == [winner])
            #expect(try await harness.store.retriedAs(stored.id) == winner)
            let audit = try await harness.store.audit(of: stored.id, limit: 10)
            #expect(audit.count == 1)
            #expect(audit.first.map { ["alice", "bob"].contains($0.entry.user) } == true)
        }
    }

    @Test func aRetryTheBrokerDidNotAcknowledgeIsCompletedByTheSameKey() async throws {
        try await RetryHarness.run { harness in
            try await harness.mineTransfers(1)
            let stored = try await harness.storeRequest(nonce: 0, status: .failed)
            let desk = harness.desk()
            let key = try #require(await desk.preview(stored.id).clickKey)
            await harness.broker.stop()
            let unacknowledged = await desk.confirm(stored.id, clickKey: key, by: "alice", reason: "nonce taken")
            guard case .notAcknowledged(let retryID) = unacknowledged.failure?.reason else {
                Issue.record("expected notAcknowledged, got \(unacknowledged)")
                return
            }
            #expect(unacknowledged.failure?.message.contains("same retry button again") == true)
            // The link is stored, so no other key can retry it meanwhile.
            #expect(try await harness.store.retriedAs(stored.id) == retryID)
            let other = try #require(RetryClickKey("another-operators-key-0123456789"))
            #expect(await desk.confirm(stored.id, clickKey: other, by: "bob", reason: "x").failure?.reason == .alreadyRetried(retryID))

            try await harness.broker.restart()
            let (completed, produced) = try await harness.readingTopic { () async throws -> Result<RetryOutcome, RetryRefusal> in
                // The producer may still be reconnecting to the restarted broker: the operator
                // presses the same button until the queue acknowledges it.
                var outcome = await desk.confirm(stored.id, clickKey: key, by: "alice", reason: "nonce taken")
                for _ in 0..<20 {
                    guard case .failure(let refusal) = outcome, refusal.reason == .notAcknowledged(retryID) else { break }
                    try await Task.sleep(for: .seconds(1))
                    outcome = await desk.confirm(stored.id, clickKey: key, by: "alice", reason: "nonce taken")
                }
                return outcome
            }
            #expect(try completed.get() == RetryOutcome(original: stored.id, retry: retryID, repeated: true))
            // The broker restarted empty: what is on the topic now is the completed retry.
            #expect(Set(produced.map(\.id)) == [retryID])
            #expect(!produced.isEmpty)
            #expect(try await harness.store.audit(of: stored.id, limit: 10).map(\.entry.user) == ["alice"])
        }
    }

    /// The operator whose retry was not acknowledged went away: another click, with another key,
    /// is refused as already retried but puts the linked retry on the topic.
    @Test func anUnacknowledgedRetryIsCompletedByAnotherClickToo() async throws {
        try await RetryHarness.run { harness in
            try await harness.mineTransfers(1)
            let stored = try await harness.storeRequest(nonce: 0, status: .failed)
            let desk = harness.desk()
            let key = try #require(await desk.preview(stored.id).clickKey)
            await harness.broker.stop()
            guard case .notAcknowledged(let retryID) = await desk.confirm(stored.id, clickKey: key, by: "alice", reason: "x").failure?.reason else {
                Issue.record("the broker is down, yet the retry was acknowledged")
                return
            }
            try await harness.broker.restart()
            let later = try #require(RetryClickKey("bobs-key-from-another-page-0123"))
            let (answers, produced) = try await harness.readingTopic { () async throws -> [RetryRefusal.Reason?] in
                var answers: [RetryRefusal.Reason?] = []
                // A few clicks: the producer may still be reconnecting for the first.
                for _ in 0..<5 {
                    answers.append(await desk.confirm(stored.id, clickKey: later, by: "bob", reason: "y").failure?.reason)
                    try await Task.sleep(for: .seconds(1))
                }
                return answers
            }
            #expect(answers == Array(repeating: .alreadyRetried(retryID), count: 5))
            #expect(Set(produced.map(\.id)) == [retryID])
            #expect(try await harness.store.retriedAs(stored.id) == retryID)
        }
    }
}
