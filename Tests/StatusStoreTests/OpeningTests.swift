import BroadcastModel
import EVMPrimitives
import Foundation
import GRDB
@testable import StatusStore
import Testing

@Suite("Opening the store file")
struct OpeningTests {
    @Test func aNewFileIsWALWithFullSyncForeignKeysAndTheBusyTimeout() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("deep/er/status.sqlite").path
            let store = try SQLiteStatusStore(path: path, busyTimeout: .milliseconds(2500))
            let pragmas = try await store.writer.write { db in
                try ["journal_mode", "synchronous", "foreign_keys", "busy_timeout"].map {
                    try String.fetchOne(db, sql: "PRAGMA \($0)")
                }
            }
            #expect(pragmas == ["wal", "2", "1", "2500"])
        }
    }

    @Test func intakeAndNoncesCommitDurablyAttemptsAndClaimsRelaxed() async throws {
        try await withTemporaryDirectory { directory in
            let store = try SQLiteStatusStore(path: directory.appendingPathComponent("status.sqlite").path)
            func level() async throws -> Int? {
                try await store.writer.writeWithoutTransaction { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") }
            }
            let full = 2, normal = 1
            let stored = try await intakeOne(store, makeRequest())
            #expect(try await level() == full)
            _ = try await store.recordAttempt(
                BroadcastAttempt(requestID: stored.id, number: 1, startedAt: fixedNow, finishedAt: fixedNow, outcome: .accepted),
                status: .broadcast, nextAttemptAt: nil)
            #expect(try await level() == normal)
            try await store.reconcileNonce(sender: senderA, chainNext: Nonce(3))
            #expect(try await level() == full)
            _ = try await store.claimIdempotencyKey(
                IdempotencyClaim(keyHash: [1], requestID: RequestID(), bodyHash: [2], at: fixedNow))
            #expect(try await level() == normal)
        }
    }

    @Test func reopeningAMigratedFileKeepsItsDataAndAppliesNothingTwice() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("status.sqlite").path
            let stored = try await intakeOne(try SQLiteStatusStore(path: path), makeRequest())
            for _ in 0..<3 {
                let reopened = try SQLiteStatusStore(path: path)
                #expect(try await reopened.record(stored.id) == stored)
            }
            let applied = try await DatabaseQueue(path: path).read { db in
                try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations")
            }
            #expect(applied == Schema.migrator.migrations)
        }
    }

    @Test func twoProcessesOpeningANewFileAtOnceBothSucceed() async throws {
        for _ in 0..<5 {
            try await withTemporaryDirectory { directory in
                let path = directory.appendingPathComponent("status.sqlite").path
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for _ in 0..<2 {
                        group.addTask { _ = try SQLiteStatusStore(path: path) }
                    }
                    try await group.waitForAll()
                }
            }
        }
    }

    @Test func anUncreatableDirectoryNamesThePathAndTheSetting() async throws {
        try await withTemporaryDirectory { directory in
            // A regular file where a directory should be: refused even to root.
            let blocker = directory.appendingPathComponent("not-a-directory")
            try Data("x".utf8).write(to: blocker)
            let path = blocker.appendingPathComponent("status.sqlite").path
            let error = #expect(throws: StatusStoreError.self) { try SQLiteStatusStore(path: path) }
            #expect(error?.code == .cannotOpen)
            #expect(error?.description.contains(blocker.path) == true)
            #expect(error?.description.contains("store.path") == true)
        }
    }

    @Test func aFileThatIsNotADatabaseIsNamed() async throws {
        try await withTemporaryDirectory { directory in
            let file = directory.appendingPathComponent("notes.txt")
            try Data(String(repeating: "not a database\n", count: 512).utf8).write(to: file)
            let error = #expect(throws: StatusStoreError.self) { try SQLiteStatusStore(path: file.path) }
            #expect(error?.code == .notADatabase)
            #expect(error?.description.contains(file.path) == true)
        }
    }

    @Test func aSchemaFromANewerBuildIsRefused() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("status.sqlite").path
            _ = try SQLiteStatusStore(path: path)
            try await DatabaseQueue(path: path).write { db in
                try db.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('v2-from-the-future')")
            }
            let error = #expect(throws: StatusStoreError.self) { try SQLiteStatusStore(path: path) }
            #expect(error?.code == .schemaTooNew)
            #expect(error?.description.contains("v2-from-the-future") == true)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func sqliteEnforcesTheSchemaRules(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            let stored = try await intakeOne(store, makeRequest())
            try await store.writer.write { db in
                let violations = [
                    "UPDATE requests SET status = 'lost'",
                    "UPDATE requests SET nonce = -1",
                    "UPDATE requests SET retry_of = '00000000-0000-0000-0000-000000000000'",
                    "INSERT INTO attempts (request_id, number, started_at, finished_at, outcome) VALUES ('00000000-0000-0000-0000-000000000000', 1, 0, 0, 'accepted')",
                    "INSERT INTO attempts (request_id, number, started_at, finished_at, outcome) VALUES ('\(stored.id)', 1, 0, 0, 'maybe')",
                    "INSERT INTO attempts (request_id, number, started_at, finished_at, outcome) VALUES ('\(stored.id)', 0, 0, 0, 'accepted')",
                    "INSERT INTO sender_nonces (address, next_nonce) VALUES ('0x00', -1)",
                ]
                for sql in violations {
                    #expect(throws: DatabaseError.self, "\(sql)") { try db.execute(sql: sql) }
                }
            }
        }
    }

    @Test(arguments: StoreKind.allCases)
    func theHotQueriesUseTheirIndexes(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            let plans = try await store.writer.read { db in
                let queries: [(String, StatementArguments)] = [
                    ("SELECT * FROM requests WHERE status = ? AND (updated_at, id) < (?, ?) ORDER BY updated_at DESC, id DESC LIMIT 51", ["signed", 0, ""]),
                    ("SELECT * FROM requests WHERE (updated_at, id) < (?, ?) ORDER BY updated_at DESC, id DESC LIMIT 51", [0, ""]),
                    ("SELECT * FROM requests WHERE status IN ('signed', 'retrying') ORDER BY from_address, nonce LIMIT ?", [100]),
                    ("SELECT status, COUNT(*) AS n FROM requests GROUP BY status", []),
                ]
                return try queries.map { sql, arguments in
                    try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + sql, arguments: arguments)
                        .map { $0["detail"] as String }.joined(separator: " | ")
                }
            }
            #expect(plans[0].contains("USING INDEX requests_by_status_updated"), "\(plans[0])")
            #expect(plans[1].contains("USING INDEX requests_by_updated"), "\(plans[1])")
            // Unfinished requests are found by status, so only they are sorted, never the table.
            #expect(plans[2].hasPrefix("SEARCH requests USING INDEX requests_by_status_updated (status=?)"), "\(plans[2])")
            #expect(plans[3].contains("USING COVERING INDEX requests_by_status_updated"), "\(plans[3])")
            // The admin list over a million rows reads its page straight off an index, unsorted.
            #expect(plans[..<2].allSatisfy { !$0.contains("TEMP B-TREE") }, "\(plans)")
        }
    }
}
