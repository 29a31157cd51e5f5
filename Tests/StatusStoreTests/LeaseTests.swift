import BroadcastModel
import EVMPrimitives
import Foundation
import Lifecycle
import SQLiteStore
import StatusStore
import Testing

/// Leases expire by the database's clock; the stores here have their own clock frozen, so every
/// expiry below is the database's. Expiring takes a renewal to one millisecond and a short
/// real wait (`expire`). Every other length is in minutes: in the full parallel run on two
/// cores one test's few store calls took more than two minutes, long enough to outlive a lease
/// of seconds.
@Suite("Leases: one owner per sender, fenced by epoch, expiring by the store's clock")
struct LeaseTests {
    @Test(arguments: StoreKind.allCases)
    func aFreeLeaseIsTakenAtEpochOneAndAHeldOneSaysWhoHoldsItUntilWhen(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            let before = Date()
            let fence = try await lease(store, senderA, owner: "worker-1", length: .seconds(90 * 60))
            #expect(fence.sender == senderA && fence.owner == "worker-1" && fence.epoch == 1)
            // By the database's clock, which is the real one here (the store's own is frozen in 2025).
            #expect(fence.expiresAt > before.addingTimeInterval(80 * 60) && fence.expiresAt < Date().addingTimeInterval(100 * 60))

            #expect(try await store.acquireLease(sender: senderA, owner: "worker-2", length: .seconds(90 * 60))
                == .heldElsewhere(owner: "worker-1", until: fence.expiresAt))
            // Another sender's lease is its own.
            #expect(try await store.acquireLease(sender: senderB, owner: "worker-2", length: .seconds(90 * 60)).fence?.epoch == 1)

            let infos = try await store.leases()
            #expect(Set(infos.map(\.sender)) == [senderA, senderB])
            let infoA = try #require(infos.first { $0.sender == senderA })
            #expect(infoA == LeaseInfo(sender: senderA, owner: "worker-1", epoch: 1, expiresAt: fence.expiresAt, isExpired: false))
        }
    }

    @Test(arguments: StoreKind.allCases)
    func theOwnerTakingItsLeaseAgainKeepsTheEpochAndExtendsIt(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            // Long enough that a loaded machine takes it again while it is held.
            let first = try await lease(store, senderA, length: .seconds(100 * 60))
            let again = try await lease(store, senderA, length: .seconds(200 * 60))
            #expect(again.epoch == first.epoch)
            #expect(again.expiresAt > first.expiresAt)
            // Both fences name the same epoch: writes under the first still go through.
            _ = try await intakeOne(store, makeRequest(), fences: [senderA: first])
        }
    }

    @Test(arguments: StoreKind.allCases)
    func anExpiredLeaseIsTakenByAnotherAtTheNextEpoch(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            let first = try await lease(store, senderA, owner: "worker-1")
            try await expire(store, first)
            #expect(try await store.leases().first?.isExpired == true)
            let takeover = try await lease(store, senderA, owner: "worker-2")
            #expect(takeover.epoch == first.epoch + 1 && takeover.owner == "worker-2")
            #expect(try await store.leases() == [
                LeaseInfo(sender: senderA, owner: "worker-2", epoch: 2, expiresAt: takeover.expiresAt, isExpired: false),
            ])
            // The previous owner coming back after its expiry gets the lease only when it is free
            // again, and then at yet another epoch.
            #expect(try await store.acquireLease(sender: senderA, owner: "worker-1", length: .seconds(60 * 60)).fence == nil)
            try await store.releaseLease(takeover)
            #expect(try await lease(store, senderA, owner: "worker-1").epoch == 3)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func anOwnerWhoseLeaseExpiredTakesItBackAtANewEpoch(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            let first = try await lease(store, senderA)
            try await expire(store, first)
            let again = try await lease(store, senderA)
            #expect(again.epoch == first.epoch + 1, "a paused task of the same owner holding the old fence must not write")
        }
    }

    @Test(arguments: StoreKind.allCases)
    func renewingExtendsAHeldLeaseOnly(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            let fence = try await lease(store, senderA, length: .seconds(60 * 60))
            let renewed = try #require(try await store.renewLease(fence, length: .seconds(300 * 60)))
            #expect(renewed.epoch == fence.epoch && renewed.owner == fence.owner && renewed.sender == senderA)
            #expect(renewed.expiresAt > fence.expiresAt.addingTimeInterval(200 * 60))
            #expect(try await store.leases().first?.expiresAt == renewed.expiresAt)

            // A fence of another owner or epoch renews nothing.
            #expect(try await store.renewLease(LeaseFence(sender: senderA, owner: "worker-2", epoch: fence.epoch, expiresAt: fence.expiresAt), length: .seconds(300 * 60)) == nil)
            #expect(try await store.renewLease(LeaseFence(sender: senderA, owner: fence.owner, epoch: fence.epoch + 1, expiresAt: fence.expiresAt), length: .seconds(300 * 60)) == nil)
            #expect(try await store.renewLease(LeaseFence(sender: senderB, owner: fence.owner, epoch: fence.epoch, expiresAt: fence.expiresAt), length: .seconds(300 * 60)) == nil)
            #expect(try await store.leases().first?.expiresAt == renewed.expiresAt)

            // Expired: lost, even though nobody took it.
            try await expire(store, renewed)
            #expect(try await store.renewLease(renewed, length: .seconds(300 * 60)) == nil)
            #expect(try await store.leases().first?.isExpired == true)
        }
    }

    /// A worker renews all its leases in one write: each answer in the order asked, a lost
    /// one nil, the others extended.
    @Test(arguments: StoreKind.allCases)
    func renewingManyLeasesAnswersEachInOrder(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            let fenceA = try await lease(store, senderA, length: .seconds(60 * 60))
            let fenceB = try await lease(store, senderB, length: .seconds(60 * 60))
            try await store.releaseLease(fenceB)
            let renewed = try await store.renewLeases([fenceA, fenceB, fenceA], length: .seconds(300 * 60))
            #expect(renewed.count == 3)
            #expect(renewed[1] == nil)
            let first = try #require(renewed[0])
            #expect(first.sender == senderA && first.epoch == fenceA.epoch && first.expiresAt > fenceA.expiresAt.addingTimeInterval(200 * 60))
            #expect(renewed[2]?.epoch == fenceA.epoch)
            #expect(try await store.leases().first { $0.sender == senderA }?.expiresAt == renewed[2]?.expiresAt)
            #expect(try await store.renewLeases([], length: .seconds(300 * 60)).isEmpty)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func releasingLetsAnotherOwnerTakeTheLeaseAtOnce(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            let fence = try await lease(store, senderA, owner: "worker-1", length: .seconds(600 * 60))
            // Releasing a fence that does not hold the lease changes nothing.
            try await store.releaseLease(LeaseFence(sender: senderA, owner: "worker-2", epoch: fence.epoch, expiresAt: fence.expiresAt))
            #expect(try await store.acquireLease(sender: senderA, owner: "worker-2", length: .seconds(60 * 60)).fence == nil)

            try await store.releaseLease(fence)
            let next = try await lease(store, senderA, owner: "worker-2")
            #expect(next.epoch == fence.epoch + 1)
            #expect(try await store.renewLease(fence, length: .seconds(60 * 60)) == nil)
            let error = await #expect(throws: StatusStoreError.self) {
                try await store.intake(messages([makeRequest()]), fences: [senderA: fence], retryDeadline: .seconds(600), sign: fakeSign)
            }
            #expect(error?.code == .fenced)
        }
    }

    /// The case fencing exists for: A holds the sender, stops (a GC pause, SIGSTOP) past its
    /// lease, B takes over and works the sender; A wakes up and carries on as if it still held it.
    @Test(arguments: StoreKind.allCases)
    func aPausedOwnerThatWakesAfterATakeoverCannotWrite(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            let fenceA = try await lease(store, senderA, owner: "worker-a")
            let stored = try await intakeOne(store, makeRequest(), fences: [senderA: fenceA])
            try await store.save([state(stored, .submitted)], attempts: [], fence: fenceA)

            try await expire(store, fenceA)  // A is paused past its lease
            let fenceB = try await lease(store, senderA, owner: "worker-b")
            #expect(fenceB.epoch == fenceA.epoch + 1)
            let resumed = try await store.unfinished(sender: senderA)
            #expect(resumed.map(\.id) == [stored.id])
            let mined = applying([.included(inclusion(of: stored.lifecycle.original.hash))], to: try #require(resumed.first).lifecycle)
            try await store.save([mined], attempts: [], fence: fenceB)

            // A wakes: it still thinks the request is only submitted, and tries to go on.
            let staleSave = await #expect(throws: StatusStoreError.self) {
                try await store.save([state(stored, .failed)], attempts: [], fence: fenceA)
            }
            #expect(staleSave?.code == .fenced)
            #expect(try await store.renewLease(fenceA, length: .seconds(60 * 60)) == nil)
            let staleIntake = await #expect(throws: StatusStoreError.self) {
                try await store.intake(messages([makeRequest()], firstOffset: 1), fences: [senderA: fenceA], retryDeadline: .seconds(600), sign: fakeSign)
            }
            #expect(staleIntake?.code == .fenced)
            let staleReconcile = await #expect(throws: StatusStoreError.self) {
                try await store.reconcileNonce(fenceA, chainPending: Nonce(0))
            }
            #expect(staleReconcile?.code == .fenced)
            // Its release does not free B's lease either.
            try await store.releaseLease(fenceA)
            #expect(try await store.acquireLease(sender: senderA, owner: "worker-a", length: .seconds(60 * 60))
                == .heldElsewhere(owner: "worker-b", until: fenceB.expiresAt))

            #expect(try await store.request(stored.id)?.lifecycle == mined)
            #expect(try await outboxEvents(store, of: stored.id).map(\.status) == [.signed, .submitted, .mined])
            #expect(try await store.renewLease(fenceB, length: .seconds(60 * 60)) != nil)
        }
    }
}
