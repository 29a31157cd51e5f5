import BroadcastModel
import EVMPrimitives
import Foundation
import Lifecycle
import StatusStore
import Testing

@Suite("Grouped saves: many lanes in one transaction, each under its own fence")
struct GroupedSaveTests {
    func attempt(_ stored: StoredRequest, _ number: Int) -> BroadcastAttempt {
        BroadcastAttempt(
            requestID: stored.id, number: number, version: 1, hash: stored.lifecycle.original.hash,
            startedAt: Date(timeIntervalSince1970: 1_750_000_001), finishedAt: Date(timeIntervalSince1970: 1_750_000_002),
            outcome: .accepted, endpoint: "http://127.0.0.1:8545", error: nil)
    }

    func fencedReason(_ outcome: LifecycleSaveOutcome?) -> String? {
        if case .fenced(let error) = outcome, error.code == .fenced { return error.description }
        return nil
    }

    @Test(arguments: StoreKind.allCases)
    func aFencedElementIsLeftOutWholeAndTheOthersAreStored(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            let fences = try await leases(store, [senderA, senderB, senderC])
            let a = try #require(fences[senderA]), b = try #require(fences[senderB]), c = try #require(fences[senderC])
            let ofA = try await intakeOne(store, makeRequest(from: senderA), fences: fences)
            let ofB = try await intakeOne(store, makeRequest(from: senderB), fences: fences, offset: 1)
            let ofC = try await intakeOne(store, makeRequest(from: senderC), fences: fences, offset: 2)
            let staleB = LeaseFence(sender: senderB, owner: b.owner, epoch: b.epoch + 1, expiresAt: b.expiresAt)

            let outcomes = try await store.save([
                LifecycleChanges(states: [state(ofA, .submitted)], attempts: [attempt(ofA, 1)], fence: a),
                LifecycleChanges(states: [state(ofB, .submitted)], attempts: [attempt(ofB, 1)], fence: staleB),
                // C's own change, and an attempt of A's request under C's lease: left out together.
                LifecycleChanges(states: [state(ofC, .replaced)], attempts: [attempt(ofA, 2)], fence: c),
                LifecycleChanges(states: [], attempts: [], fence: c),
            ])

            #expect(outcomes.count == 4)
            if case .saved = outcomes.first {} else { Issue.record("A's changes should be saved: \(outcomes)") }
            #expect(fencedReason(outcomes.dropFirst().first)?.contains(senderB.checksummed) == true)
            #expect(fencedReason(outcomes.dropFirst(2).first)?.contains(ofA.id.description) == true)
            if case .saved = outcomes.last {} else { Issue.record("an empty element has nothing to refuse: \(outcomes)") }

            #expect(try await store.request(ofA.id)?.status == .submitted)
            #expect(try await store.attempts(of: ofA.id).map(\.number) == [1])
            #expect(try await outboxEvents(store, of: ofA.id).map(\.sequence) == [1, 2])
            for untouched in [ofB, ofC] {
                #expect(try await store.request(untouched.id) == untouched)
                #expect(try await store.attempts(of: untouched.id).isEmpty)
            }
            let counts = try await store.countsByStatus()
            #expect(counts[.submitted] == 1)
            #expect(counts[.signed] == 2)
            #expect(counts[.replaced, default: 0] == 0)
        }
    }

    /// Lanes never hand in one request twice in a save, but the store takes it: the later
    /// element's state is the one stored, from the row the earlier one left.
    @Test(arguments: StoreKind.allCases)
    func aRequestInTwoElementsEndsAsTheLaterOneSaysOnce(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            let fence = try await lease(store, senderA)
            let stored = try await intakeOne(store, makeRequest(from: senderA), fences: [senderA: fence])
            let replaced = state(stored, .replaced)

            _ = try await store.save([
                LifecycleChanges(states: [state(stored, .submitted)], attempts: [attempt(stored, 1)], fence: fence),
                LifecycleChanges(states: [replaced], attempts: [attempt(stored, 1), attempt(stored, 2)], fence: fence),
            ])

            let read = try #require(try await store.request(stored.id))
            #expect(read.lifecycle == replaced)
            #expect(read.sequence == 3)
            #expect(try await store.attempts(of: stored.id).map(\.number) == [1, 2])
            #expect(try await outboxEvents(store, of: stored.id).map(\.status) == [.signed, .submitted, .replaced])
            #expect(try await store.countsByStatus()[.replaced] == 1)
            #expect(try await store.countsByStatus()[.submitted, default: 0] == 0)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func aChangeTheStoreCannotTakeStoresNothingOfTheGroup(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            let fences = try await leases(store, [senderA, senderB])
            let a = try #require(fences[senderA]), b = try #require(fences[senderB])
            let ofA = try await intakeOne(store, makeRequest(from: senderA), fences: fences)
            let never = try #require(LifecycleState(
                id: RequestID(), sender: senderB, nonce: Nonce(7), versions: ofA.lifecycle.versions, deadline: ofA.lifecycle.deadline))

            let error = await #expect(throws: StatusStoreError.self) {
                try await store.save([
                    LifecycleChanges(states: [state(ofA, .submitted)], attempts: [attempt(ofA, 1)], fence: a),
                    LifecycleChanges(states: [never], attempts: [], fence: b),
                ])
            }
            #expect(error?.code == .unknownRequest)
            #expect(try await store.request(ofA.id) == ofA)
            #expect(try await store.attempts(of: ofA.id).isEmpty)
        }
    }
}
