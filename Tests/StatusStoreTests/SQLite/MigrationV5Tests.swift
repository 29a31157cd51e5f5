import BroadcastModel
import EVMPrimitives
import Foundation
import GRDB
@testable import SQLiteStore
@testable import StatusStore
import Testing

/// Migration v5 fills what the admin dashboard reads from the rows already stored.
@Suite("Migrating to v5: counters, selectors, error classes")
struct MigrationV5Tests {
    @Test func countersSelectorsAndErrorClassesAreFilledFromTheStoredRows() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("status.sqlite").path
            typealias Old = MigrationTests.OldRequest
            let signed = Old(from: senderA, status: "signed", nonce: 0, attempts: 0)
            let retrying = Old(from: senderA, status: "retrying", nonce: 1, attempts: 2, nextAttemptAt: 1_700_000_090_000)
            let broadcast = Old(from: senderA, status: "broadcast", nonce: 2, attempts: 1)
            let failed = Old(from: senderB, status: "failed", nonce: 0, attempts: 1)
            try MigrationTests().writeOldFile(
                at: path, [signed, retrying, broadcast, failed],
                attempts: [
                    (retrying.id, 1, "rejected", "bad"), (retrying.id, 2, "retryable", "timed out"), (broadcast.id, 1, "retryable", "timed out"),
                    (broadcast.id, 2, "accepted", nil), (failed.id, 1, "rejected", "insufficient funds"),
                ])
            // Up to v4, with one request whose calldata is too short to have a selector.
            let queue = try DatabaseQueue(path: path)
            try Schema.migrator.migrate(queue, upTo: "v4-lifecycle-versions-leases-outbox")
            try await queue.write { db in
                try db.execute(sql: "UPDATE requests SET data = x'1c41' WHERE id = ?", arguments: [signed.id.description])
            }
            try queue.close()

            let store = try SQLiteStatusStore(path: path)
            let counts = try await store.statusCounts()
            #expect(counts.byStatus == (try await countedFromRows(store)))
            #expect(counts[.signed] == 1 && counts[.retrying] == 1 && counts[.submitted] == 1 && counts[.failed] == 1 && counts.total == 4)

            let rows = Dictionary(uniqueKeysWithValues: try await allSummaries(store, RequestQuery()).map { ($0.id, $0) })
            #expect(rows[signed.id]?.lastErrorClass == nil)
            #expect(rows[retrying.id]?.lastErrorClass == .unknown, "the latest attempt no node took")
            #expect(rows[broadcast.id]?.lastErrorClass == .unknown, "an accepted attempt after it is no error")
            #expect(rows[failed.id]?.lastErrorClass == .invalid)
            let bySelector = try await allSummaries(store, RequestQuery(selector: FunctionSelector("0x1c41742f")))
            #expect(Set(bySelector.map(\.id)) == [retrying.id, broadcast.id, failed.id])

            // The counters go on from there.
            let fence = try await lease(store, senderA)
            _ = try await intakeOne(store, makeRequest(), fences: [senderA: fence], offset: 30)
            #expect(try await store.statusCounts()[.signed] == 2)
            #expect(try await store.statusCounts().byStatus == (try await countedFromRows(store)))
        }
    }
}
