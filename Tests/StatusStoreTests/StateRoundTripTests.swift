import BroadcastModel
import EVMPrimitives
import Foundation
import Lifecycle
import SQLiteStore
import StatusStore
import Testing

@Suite("A lifecycle state comes back exactly as saved")
struct StateRoundTripTests {
    /// Eighths of a second after the fixed time: whole milliseconds, as the store keeps times,
    /// and exact in binary, as events carry them.
    func at(_ eighths: Int) -> Date { Date(timeIntervalSince1970: 1_750_000_000 + Double(eighths) / 8) }

    /// Every field of the state set away from its default, values at the edges of their columns.
    func everyFieldSet(_ stored: StoredRequest) throws -> LifecycleState {
        let nonce = stored.lifecycle.nonce
        let replacement = makeVersion(stored.id, nonce: nonce, number: 2, kind: .replacement, at: at(9))
        let cancellation = TransactionVersion(
            number: 3, kind: .cancellation, hash: makeVersion(stored.id, nonce: nonce, number: 3, kind: .cancellation).hash,
            raw: [0x02] + [UInt8](repeating: 0xff, count: 300),
            fees: FeeCaps(
                maxFeePerGas: try Wei(parsing: "115792089237316195423570985008687907853269984665640564039457584007913129639935"),
                maxPriorityFeePerGas: try Wei(parsing: "1606938044258990275541962092341162602522202993782792835301376")),
            signedAt: at(17))
        var state = try #require(LifecycleState(
            id: stored.id, sender: stored.request.from, nonce: nonce, versions: [stored.lifecycle.original, replacement, cancellation],
            deadline: at(4_800)))
        state.acceptedVersion = 3
        state.lastSendUnknown = true
        state.sends = 17
        state.failuresInARow = 4
        state.nextSendAt = at(25)
        state.acceptedAt = at(33)
        state.acceptedAtBlock = BlockNumber(UInt64(Int64.max))
        state.poolCheckAt = at(41)
        state.inclusion = Inclusion(
            hash: replacement.hash, block: BlockNumber(UInt64(Int64.max) - 1), blockHash: blockHash(0xab), succeeded: false,
            gasUsed: Gas(UInt64(Int64.max)),
            effectiveGasPrice: try Wei(parsing: "340282366920938463463374607431768211457"))
        state.giveUpReason = "a node refuses it for good: intrinsic gas too low"
        state.waitingForFunds = true
        state.wantsReplacement = true
        state.needsSettlement = true
        state.feeCeilingReached = true
        state.lastError = "insufficient funds for gas * price + value: ü ✓ \"quoted\""
        return state
    }

    @Test(arguments: StoreKind.allCases)
    func everyFieldOfAnUnfinishedStateComesBackThroughRequestAndUnfinished(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            let fence = try await lease(store, senderA)
            let stored = try await intakeOne(store, makeRequest(), fences: [senderA: fence], offset: 7, partition: 2)
            let state = try everyFieldSet(stored)
            #expect(state.status == .mined)
            try await store.save([state], attempts: [], fence: fence)

            let expected = StoredRequest(
                request: stored.request, lifecycle: state, sequence: 2, createdAt: stored.createdAt,
                updatedAt: fixedNow.roundedToMilliseconds, sourceTopic: requestsTopic, sourcePartition: 2)
            #expect(try await store.request(stored.id) == expected)
            #expect(try await store.unfinished(sender: senderA) == [expected])
            let event = try #require(try await outboxEvents(store, of: stored.id).last)
            #expect(event == state.event(sequence: 2, at: fixedNow.roundedToMilliseconds))
            #expect(event.receipt?.effectiveGasPrice == state.inclusion?.effectiveGasPrice)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func defaultsAndAbsentValuesComeBackAsTheyWere(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            let fence = try await lease(store, senderA)
            let stored = try await intakeOne(store, makeRequest(), fences: [senderA: fence])
            var state = try everyFieldSet(stored)
            // The opposite of every field above.
            state.lastSendUnknown = false
            state.nextSendAt = nil
            state.acceptedAt = nil
            state.acceptedAtBlock = nil
            state.poolCheckAt = nil
            state.inclusion = Inclusion(
                hash: state.original.hash, block: BlockNumber(0), blockHash: blockHash(0), succeeded: true, gasUsed: Gas(0), effectiveGasPrice: nil)
            state.giveUpReason = nil
            state.waitingForFunds = false
            state.wantsReplacement = false
            state.needsSettlement = false
            state.feeCeilingReached = false
            state.lastError = nil
            try await store.save([state], attempts: [], fence: fence)
            #expect(try await store.request(stored.id)?.lifecycle == state)
            #expect(try await store.unfinished(sender: senderA).map(\.lifecycle) == [state])
        }
    }

    @Test(arguments: StoreKind.allCases)
    func theFinalOutcomesComeBackWithTheirReasonAndLeaveTheUnfinished(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            let fence = try await lease(store, senderA)
            let requests = try await intake(store, [senderA, senderA, senderA, senderA], fences: [senderA: fence])
            var cancelledAndMined = try everyFieldSet(requests[3])
            cancelledAndMined.inclusion = inclusion(of: cancelledAndMined.latest.hash)
            cancelledAndMined = applying([.head(BlockNumber(1001))], to: cancelledAndMined)
            let finals = [
                state(requests[0], .confirmed), state(requests[1], .reverted), state(requests[2], .failed), cancelledAndMined,
            ]
            #expect(finals.map(\.status) == [.confirmed, .reverted, .failed, .failed])
            #expect(finals[2].outcome == .failed(reason: "nonce \(requests[2].lifecycle.nonce) was taken by another transaction of \(senderA) and none of this request's versions was mined"))
            guard case .failed(let reason) = cancelledAndMined.outcome else {
                Issue.record("the cancellation mined deep enough should fail the request: \(cancelledAndMined)")
                return
            }
            #expect(reason.contains("cancellation"))
            try await store.save(finals, attempts: [], fence: fence)
            for final in finals {
                let read = try #require(try await store.request(final.id))
                #expect(read.lifecycle == final)
                #expect(read.lifecycle.outcome == final.outcome)
                #expect(read.lifecycle.isFinal)
                #expect(try await outboxEvents(store, of: final.id).last?.error == final.reason)
            }
            #expect(try await store.unfinished(sender: senderA).isEmpty)
        }
    }
}
