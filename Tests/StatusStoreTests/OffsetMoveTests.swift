import Foundation
import StatusStore
import Testing

@Suite("Offsets after a log reset")
struct OffsetMoveTests {
    static let group = "broadcaster-workers", topic = "broadcaster.requests"

    @Test("a reset log moves the stored offset back, but never over progress made meanwhile", arguments: StoreKind.allCases)
    func moveBack(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            _ = try await store.intake(messages([nil, nil, nil], firstOffset: 101), sign: fakeSign)
            #expect(try store.startingOffsets(group: Self.group, topic: Self.topic, partitions: [0]) == [0: 104])

            // A position that is no longer the stored one is left alone.
            try store.moveOffset(group: Self.group, topic: Self.topic, partition: 0, from: 50, to: 0)
            #expect(try store.startingOffsets(group: Self.group, topic: Self.topic, partitions: [0]) == [0: 104])

            try store.moveOffset(group: Self.group, topic: Self.topic, partition: 0, from: 104, to: 0)
            #expect(try store.startingOffsets(group: Self.group, topic: Self.topic, partitions: [0]) == [0: 0])
            // Intake of the new log then moves it forward from there.
            _ = try await store.intake(messages([nil], firstOffset: 0), sign: fakeSign)
            #expect(try store.startingOffsets(group: Self.group, topic: Self.topic, partitions: [0]) == [0: 1])
        }
    }
}
