import BroadcastModel
import EVMPrimitives
import Foundation
import StatusStore
import Testing

@Suite("The overview's reads besides the counters")
struct OverviewReadsTests {
    /// senderA's nonces 0 (failed), 1 and 2 from partition 0, senderB's nonce 0 from partition 1,
    /// each taken in at its own time.
    func stock(_ store: any StatusStoreEngine) async throws -> (a: [StoredRequest], b: StoredRequest) {
        let fences = try await leases(store, [senderA, senderB])
        var a: [StoredRequest] = []
        for offset in Int64(0)..<3 {
            a.append(try await intakeOne(store, makeRequest(from: senderA), fences: fences, offset: offset))
        }
        let b = try await intakeOne(store, makeRequest(from: senderB), fences: fences, offset: 0, partition: 1)
        if let first = a.first, let fence = fences[senderA] {
            try await store.save([state(first, .failed)], attempts: [], fence: fence)
        }
        return (a, b)
    }

    @Test(arguments: StoreKind.allCases)
    func theLanesOffsetsAndOldestWorkAreWhatWasTakenIn(kind: StoreKind) async throws {
        let clock = TickingClock()
        try await withStore(kind, now: clock.now) { store in
            let (a, b) = try await stock(store)
            let first = try #require(a.first)
            let second = try #require(a.dropFirst().first)
            #expect(try await store.storedSince(first.createdAt) == 4)
            #expect(try await store.storedSince(second.createdAt) == 3)
            #expect(try await store.storedSince(b.createdAt.addingTimeInterval(1)) == 0)

            // A's nonce 0 failed: the oldest unfinished request is its nonce 1.
            #expect(try await store.oldestUnfinished()?.id == second.id)

            let lanes = Dictionary(uniqueKeysWithValues: try await store.senderLanes().map { ($0.sender, $0) })
            #expect(lanes.count == 2)
            #expect(lanes[senderA] == SenderLane(
                sender: senderA, nextNonce: Nonce(3), unfinished: 2, lowestUnfinishedNonce: Nonce(1), highestUnfinishedNonce: Nonce(2),
                oldestUnfinishedAt: second.createdAt))
            #expect(lanes[senderB] == SenderLane(
                sender: senderB, nextNonce: Nonce(1), unfinished: 1, lowestUnfinishedNonce: Nonce(0), highestUnfinishedNonce: Nonce(0),
                oldestUnfinishedAt: b.createdAt))

            #expect(try await store.heldNonces(sender: senderA, from: Nonce(0), below: Nonce(10)) == 3)
            #expect(try await store.heldNonces(sender: senderA, from: Nonce(1), below: Nonce(2)) == 1)
            #expect(try await store.heldNonces(sender: senderA, from: Nonce(2), below: Nonce(2)) == 0)
            #expect(try await store.heldNonces(sender: senderC, from: Nonce(0), below: Nonce(10)) == 0)

            #expect(Set(try await store.partitionOffsets()) == [
                PartitionOffset(group: workersGroup, topic: requestsTopic, partition: 0, nextOffset: 3),
                PartitionOffset(group: workersGroup, topic: requestsTopic, partition: 1, nextOffset: 1),
            ])
            #expect(Set(try await store.unfinishedSendersByPartition()) == [
                SenderPartition(topic: requestsTopic, partition: 0, sender: senderA),
                SenderPartition(topic: requestsTopic, partition: 1, sender: senderB),
            ])
        }
    }

    @Test(arguments: StoreKind.allCases)
    func anEmptyStoreHasNoLanesNoOffsetsAndNoOldestWork(kind: StoreKind) async throws {
        try await withStore(kind) { store async throws in
            #expect(try await store.storedSince(.distantPast) == 0)
            #expect(try await store.oldestUnfinished() == nil)
            #expect(try await store.senderLanes().isEmpty)
            #expect(try await store.partitionOffsets().isEmpty)
            #expect(try await store.unfinishedSendersByPartition().isEmpty)
        }
    }
}
