import BroadcastModel
import EVMPrimitives
import Foundation
import StatusStore
import Testing

@Suite("Two worker processes on one file")
struct ConcurrencyTests {
    /// Two stores on one path stand for two worker processes: separate connections that only
    /// SQLite's file locks keep apart.
    @Test func noncesStayUniqueAndContiguousPerSender() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("status.sqlite").path
            let stores = [try SQLiteStatusStore(path: path), try SQLiteStatusStore(path: path)]
            try await stores[0].reconcileNonce(sender: senderB, chainNext: Nonce(40))
            let batches = 25, batchSize = 8
            let results = try await withThrowingTaskGroup(of: [IntakeResult].self) { group in
                for (worker, store) in stores.enumerated() {
                    group.addTask {
                        var results: [IntakeResult] = []
                        for batch in 0..<batches {
                            let requests = (0..<batchSize).map { makeRequest(from: $0.isMultiple(of: 2) ? senderA : senderB) }
                            results += try await store.intake(
                                messages(requests, firstOffset: Int64(batch * batchSize), partition: Int32(worker)),
                                sign: fakeSign)
                        }
                        return results
                    }
                }
                return try await group.reduce(into: []) { $0 += $1 }
            }
            let records = results.compactMap(\.record)
            #expect(records.count == 2 * batches * batchSize)
            #expect(results.allSatisfy { $0.isNew })
            let perSender = records.count / 2
            #expect(records.filter { $0.request.from == senderA }.map(\.nonce.value).sorted() == Array(0..<UInt64(perSender)))
            #expect(records.filter { $0.request.from == senderB }.map(\.nonce.value).sorted() == Array(40..<UInt64(40 + perSender)))

            // What either process reads back is what was returned, and the offsets are both there.
            for record in records.prefix(20) {
                #expect(try await stores[1].record(record.id) == record)
            }
            let offsets = try stores[1].startingOffsets(group: "broadcaster-workers", topic: "broadcaster.requests", partitions: [0, 1])
            #expect(offsets == [0: Int64(batches * batchSize), 1: Int64(batches * batchSize)])
        }
    }

    @Test func aRequestDeliveredToBothProcessesIsSignedOnce() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("status.sqlite").path
            let stores = [try SQLiteStatusStore(path: path), try SQLiteStatusStore(path: path)]
            let requests = (0..<50).map { _ in makeRequest() }
            let results = try await withThrowingTaskGroup(of: [IntakeResult].self) { group in
                for store in stores {
                    group.addTask {
                        var results: [IntakeResult] = []
                        for (offset, request) in requests.enumerated() {
                            results += try await store.intake(messages([request], firstOffset: Int64(offset)), sign: fakeSign)
                        }
                        return results
                    }
                }
                return try await group.reduce(into: []) { $0 += $1 }
            }
            #expect(results.filter(\.isNew).count == requests.count)
            let nonces = Set(results.filter(\.isNew).compactMap(\.record?.nonce.value))
            #expect(nonces == Set(0..<UInt64(requests.count)))
        }
    }
}
