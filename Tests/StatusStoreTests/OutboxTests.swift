import BroadcastModel
import EVMPrimitives
import Foundation
import Lifecycle
import SQLiteStore
import StatusStore
import Testing

@Suite("The results outbox: oldest first, one publisher per request at a time, in order")
struct OutboxTests {
    @Test(arguments: StoreKind.allCases)
    func eventsAreClaimedOldestFirstAndDecodeToWhatChanged(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            let fence = try await lease(store, senderA)
            let requests = try await intake(store, [senderA, senderA, senderA], fences: [senderA: fence])
            let submitted = state(requests[0], .submitted)
            try await store.save([submitted], attempts: [], fence: fence)

            let claimed = try await store.claimOutbox(owner: "publisher-1", limit: 10, holdFor: .seconds(60))
            #expect(claimed.map(\.sequence) == claimed.map(\.sequence).sorted())
            #expect(Set(claimed.map(\.sequence)).count == 4)
            #expect(claimed.map(\.event.id) == [requests[0].id, requests[1].id, requests[2].id, requests[0].id])
            #expect(claimed.map(\.event.sequence) == [1, 1, 1, 2])
            #expect(claimed.map(\.event.status) == [.signed, .signed, .signed, .submitted])
            #expect(claimed.map(\.event.nonce.value) == [0, 1, 2, 0])
            let at = fixedNow.roundedToMilliseconds
            #expect(claimed.map(\.event) == requests.map { $0.lifecycle.event(sequence: 1, at: at) } + [submitted.event(sequence: 2, at: at)])

            // The same owner asking again gets its own unacknowledged events again, and the limit holds.
            #expect(try await store.claimOutbox(owner: "publisher-1", limit: 2, holdFor: .seconds(60)) == Array(claimed.prefix(2)))
        }
    }

    @Test(arguments: StoreKind.allCases)
    func aRequestsEventsGoToOneClaimantAtATimeInOrder(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            let fence = try await lease(store, senderA)
            let requests = try await intake(store, [senderA, senderA], fences: [senderA: fence])
            let (first, second) = (requests[0], requests[1])
            try await store.save([state(first, .submitted)], attempts: [], fence: fence)

            let one = try await store.claimOutbox(owner: "publisher-1", limit: 1, holdFor: .seconds(600))
            #expect(one.map(\.event.id) == [first.id])
            // The second publisher must not publish the first request's later event ahead of
            // its earlier one, held by the first publisher: it gets the other request only.
            let two = try await store.claimOutbox(owner: "publisher-2", limit: 10, holdFor: .seconds(600))
            #expect(two.map(\.event.id) == [second.id])
            // The first publisher now gets its request's events in order, not the other's.
            let again = try await store.claimOutbox(owner: "publisher-1", limit: 10, holdFor: .seconds(600))
            #expect(again.map(\.event.id) == [first.id, first.id])
            #expect(again.map(\.event.sequence) == [1, 2])

            try await store.acknowledgeOutbox(again.map(\.sequence))
            #expect(try await store.claimOutbox(owner: "publisher-2", limit: 10, holdFor: .seconds(600)) == two)
            try await store.acknowledgeOutbox(two.map(\.sequence))
            #expect(try await store.claimOutbox(owner: "publisher-1", limit: 10, holdFor: .seconds(600)).isEmpty)
            #expect(try await store.claimOutbox(owner: "publisher-3", limit: 10, holdFor: .seconds(600)).isEmpty)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func aHeldRequestDoesNotStarveTheOthers(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            let fence = try await lease(store, senderA)
            let busy = try await intakeOne(store, makeRequest(), fences: [senderA: fence])
            var current = busy.lifecycle
            for event in [
                LifecycleEvent.sent(version: 1, .unknown(reason: "timed out"), head: nil), .sent(version: 1, .accepted, head: nil),
                .included(inclusion(of: busy.lifecycle.original.hash)), .head(BlockNumber(1001)),
            ] {
                current = applying([event], to: current)
                try await store.save([current], attempts: [], fence: fence)
            }
            let quiet = try await intakeOne(store, makeRequest(), fences: [senderA: fence], offset: 1)
            #expect(try await store.claimOutbox(owner: "publisher-1", limit: 1, holdFor: .seconds(600)).map(\.event.id) == [busy.id])
            // Five events of the held request come first; the other request's must come anyway.
            let other = try await store.claimOutbox(owner: "publisher-2", limit: 2, holdFor: .seconds(600))
            #expect(other.map(\.event.id) == [quiet.id])
        }
    }

    @Test(arguments: StoreKind.allCases)
    func aHoldThatRunsOutLetsAnotherPublisherTakeTheEvents(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            let fence = try await lease(store, senderA)
            let stored = try await intakeOne(store, makeRequest(), fences: [senderA: fence])
            try await store.save([state(stored, .submitted)], attempts: [], fence: fence)
            let held = try await store.claimOutbox(owner: "publisher-1", limit: 10, holdFor: .milliseconds(1))
            #expect(held.count == 2)

            // The hold runs by the store's clock (frozen for this store's own timestamps).
            var taken: [OutboxEntry] = []
            let deadline = ContinuousClock.now + .seconds(30)
            while taken.isEmpty, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(20))
                taken = try await store.claimOutbox(owner: "publisher-2", limit: 10, holdFor: .seconds(600))
            }
            #expect(taken == held)
            // Now publisher-2 holds them.
            #expect(try await store.claimOutbox(owner: "publisher-1", limit: 10, holdFor: .seconds(600)).isEmpty)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func acknowledgedEventsAreGoneForEveryone(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            let fence = try await lease(store, senderA)
            _ = try await intake(store, [senderA, senderA, senderA], fences: [senderA: fence])
            let claimed = try await store.claimOutbox(owner: "publisher-1", limit: 10, holdFor: .seconds(600))
            #expect(claimed.count == 3)
            try await store.acknowledgeOutbox([])
            try await store.acknowledgeOutbox([claimed[0].sequence, claimed[2].sequence, 987_654])
            #expect(try await store.claimOutbox(owner: "publisher-1", limit: 10, holdFor: .seconds(600)) == [claimed[1]])
            // Acknowledged by another publisher (a late one whose hold had run out): gone all the same.
            try await store.acknowledgeOutbox([claimed[1].sequence])
            #expect(try await store.claimOutbox(owner: "publisher-1", limit: 10, holdFor: .seconds(600)).isEmpty)
            #expect(try await store.claimOutbox(owner: "publisher-2", limit: 10, holdFor: .seconds(600)).isEmpty)
        }
    }
}
