import BroadcastModel
import EVMPrimitives
import Foundation
import Lifecycle
import SQLiteStore
import StatusStore
import Testing

@Suite("Unfinished work: what a new lease owner resumes, and who has work nobody does")
struct UnfinishedWorkTests {
    @Test(arguments: StoreKind.allCases)
    func aSendersUnfinishedRequestsComeByNonceMinedOnesIncluded(kind: StoreKind) async throws {
        let clock = TickingClock()
        try await withStore(kind, now: clock.now) { store in
            let fences = try await leases(store)
            let fence = try #require(fences[senderA])
            let a = try await intake(store, [senderA, senderB, senderA, senderA, senderA, senderA, senderA, senderA, senderA], fences: fences)
                .filter { $0.request.from == senderA }
            let statuses: [TransactionStatus] = [.confirmed, .mined, .submitted, .failed, .replaced, .reverted, .unknown, .signed]
            // Saved last nonce first, so that neither update time nor insertion order gives the nonce order.
            try await store.save(zip(a, statuses).reversed().map { state($0, $1) }, attempts: [], fence: fence)

            let unfinished = try await store.unfinished(sender: senderA)
            #expect(unfinished.map(\.lifecycle.nonce.value) == [1, 2, 4, 6, 7])
            #expect(unfinished.map(\.status) == [.mined, .submitted, .replaced, .unknown, .signed])
            for request in unfinished {
                #expect(try await store.request(request.id) == request)
            }
            #expect(try await store.unfinished(sender: senderB).map(\.status) == [.signed])
            #expect(try await store.unfinished(sender: senderC).isEmpty)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func theSendersOfAssignedPartitionsAreThoseWithUnfinishedWorkThere(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            let fences = try await leases(store)
            // Partition 0: A (unfinished) and B (final); partition 1: B and C; partition 2 of
            // another topic: C.
            let inZero = try await intake(store, [senderA, senderA, senderB], fences: fences, partition: 0)
            _ = try await intake(store, [senderB, senderC, senderC], fences: fences, partition: 1)
            _ = try await store.intake(messages([makeRequest(from: senderC)], partition: 2, topic: "other.requests"), fences: fences, retryDeadline: .seconds(600), sign: fakeSign)
            try await store.save([state(inZero[2], .confirmed)], attempts: [], fence: fences[senderB]!)

            func senders(_ partitions: [Int32], topic: String = requestsTopic) async throws -> [Address] {
                try await store.unfinishedSenders(topic: topic, partitions: partitions)
            }
            #expect(try await senders([0]) == [senderA], "one entry per sender; B's only request there is final")
            let both = try await senders([1, 0])
            #expect(both.count == 3 && Set(both) == [senderA, senderB, senderC])
            #expect(try await senders([1]).sorted { $0.checksummed < $1.checksummed } == [senderB, senderC].sorted { $0.checksummed < $1.checksummed })
            #expect(try await senders([2]).isEmpty)
            #expect(try await senders([2], topic: "other.requests") == [senderC])
            #expect(try await senders([]).isEmpty)

            // Once A's work there is done, partition 0 brings nobody.
            let a = try await store.unfinished(sender: senderA).filter { $0.sourcePartition == 0 }
            try await store.save(a.map { state($0, .confirmed) }, attempts: [], fence: fences[senderA]!)
            #expect(try await senders([0]).isEmpty)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func orphansAreSendersWithUnfinishedWorkAndNoLiveLease(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            let senderD = try Address("0x1eff47bc3a10a45d4b230b5d10e37751fe6aa718")
            let senderE = try Address("0xe1ab8145f7e55dc933d51a18c793f901a3a0b276")
            let fences = try await leases(store, [senderA, senderB, senderC, senderD, senderE])
            _ = try await intake(store, [senderA], fences: fences, partition: 4)
            _ = try await intake(store, [senderB, senderB], fences: fences, firstOffset: 10, partition: 5)
            _ = try await intake(store, [senderC], fences: fences, firstOffset: 20, partition: 6)
            let dDone = try await intake(store, [senderD], fences: fences, firstOffset: 30, partition: 7)
            _ = try await intake(store, [senderE], fences: fences, firstOffset: 40, partition: 8)
            try await store.save([state(dDone[0], .failed)], attempts: [], fence: fences[senderD]!)
            // Everyone holds their lease: no orphans.
            #expect(try await store.orphanedSenders().isEmpty)

            // B's owner released it (handover), C's expired (a dead worker), A's is still held,
            // D's work is all final, E's lease was taken over by a live owner.
            try await store.releaseLease(fences[senderB]!)
            try await store.releaseLease(fences[senderD]!)
            try await expire(store, fences[senderC]!)
            try await expire(store, fences[senderE]!)
            _ = try await lease(store, senderE, owner: "worker-2")

            let orphans = try await store.orphanedSenders().sorted { $0.sender.checksummed < $1.sender.checksummed }
            let expected = [
                OrphanedSender(sender: senderB, topic: requestsTopic, partition: 5),
                OrphanedSender(sender: senderC, topic: requestsTopic, partition: 6),
            ].sorted { $0.sender.checksummed < $1.sender.checksummed }
            #expect(orphans == expected)

            // Taken again, C is no orphan any more.
            _ = try await lease(store, senderC, owner: "worker-3")
            #expect(try await store.orphanedSenders() == [OrphanedSender(sender: senderB, topic: requestsTopic, partition: 5)])
        }
    }
}
