import BroadcastModel
import EVMPrimitives
import Foundation
import Lifecycle
import SQLiteStore
import StatusStore
import Testing

@Suite("Nonces follow the chain in both directions, never below one a request holds")
struct NonceReconcileTests {
    @Test(arguments: StoreKind.allCases)
    func aChainAheadOfTheStoreMovesTheNextNonceUp(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            let fences = try await leases(store)
            #expect(try await store.reconcileNonce(fences[senderA]!, chainPending: Nonce(5)) == Nonce(5))
            #expect(try await nextNonce(store, senderA, fences: fences, offset: 0) == Nonce(5))
            #expect(try await store.reconcileNonce(fences[senderA]!, chainPending: Nonce(40)) == Nonce(40))
            #expect(try await nextNonce(store, senderA, fences: fences, offset: 1) == Nonce(40))
            // Another sender's nonces are its own.
            #expect(try await nextNonce(store, senderB, fences: fences, offset: 2) == Nonce(0))
        }
    }

    @Test(arguments: StoreKind.allCases)
    func aStoreAheadOfTheChainComesDownToOnePastTheHighestNonceHeld(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            let fences = try await leases(store)
            let fence = try #require(fences[senderA])
            // Nonces 0 and 1 held by requests; the next was pushed to 30 by a node that counted
            // transactions that never landed.
            _ = try await intake(store, [senderA, senderA], fences: fences)
            #expect(try await store.reconcileNonce(fence, chainPending: Nonce(30)) == Nonce(30))
            #expect(try await store.reconcileNonce(fence, chainPending: Nonce(1)) == Nonce(2))
            #expect(try await nextNonce(store, senderA, fences: fences, offset: 2) == Nonce(2))
            // Held by nothing yet: straight to the chain's count.
            #expect(try await store.reconcileNonce(fences[senderB]!, chainPending: Nonce(9)) == Nonce(9))
            #expect(try await store.reconcileNonce(fences[senderB]!, chainPending: Nonce(3)) == Nonce(3))
            #expect(try await nextNonce(store, senderB, fences: fences, offset: 3) == Nonce(3))
        }
    }

    @Test(arguments: StoreKind.allCases)
    func neverBelowANonceARequestHoldsWhateverItsStatus(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            let fences = try await leases(store)
            let fence = try #require(fences[senderA])
            _ = try await store.reconcileNonce(fence, chainPending: Nonce(10))
            let held = try await intake(store, [senderA, senderA, senderA], fences: fences)
            #expect(held.map(\.lifecycle.nonce) == [Nonce(10), Nonce(11), Nonce(12)])
            // The highest is final (failed: its nonce taken by something else), the others unfinished.
            try await store.save([state(held[2], .failed), state(held[0], .submitted)], attempts: [], fence: fence)
            for pending in [Nonce(0), Nonce(11), Nonce(12)] {
                #expect(try await store.reconcileNonce(fence, chainPending: pending) == Nonce(13), "chain pending \(pending)")
            }
            #expect(try await nextNonce(store, senderA, fences: fences, offset: 3) == Nonce(13))
            #expect(try await store.reconcileNonce(fence, chainPending: Nonce(14)) == Nonce(14))
        }
    }

    @Test(arguments: StoreKind.allCases)
    func reconcilingNeedsTheSendersLease(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            let fences = try await leases(store, [senderA])
            let error = await #expect(throws: StatusStoreError.self) {
                try await store.reconcileNonce(
                    LeaseFence(sender: senderB, owner: "worker-1", epoch: 1, expiresAt: fixedNow.addingTimeInterval(60)), chainPending: Nonce(50))
            }
            #expect(error?.code == .fenced)
            #expect(try await nextNonce(store, senderA, fences: fences, offset: 0) == Nonce(0))
            let fenceB = try await lease(store, senderB)
            #expect(try await nextNonce(store, senderB, fences: [senderB: fenceB], offset: 1) == Nonce(0), "the refused reconcile moved nothing")
        }
    }
}
