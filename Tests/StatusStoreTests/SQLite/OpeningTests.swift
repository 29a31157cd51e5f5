import BroadcastModel
import EVMPrimitives
import Foundation
import GRDB
@testable import StatusStore
import Synchronization
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

    /// The plans of the statements the store itself runs (captured by tracing its connections),
    /// not of copies of them.
    @Test(arguments: StoreKind.allCases)
    func theStoresHotQueriesUseTheirIndexes(kind: StoreKind) async throws {
        try await withTracedStore(kind) { store, trace in
            let stored = try await intakeOne(store, makeRequest())
            let cursor = RecordCursor(after: stored)
            func plans(_ call: () async throws -> Void) async throws -> String {
                trace.reset()
                try await call()
                let selects = trace.statements.filter { $0.hasPrefix("SELECT") && !$0.contains("sqlite_") && !$0.contains("grdb_") }
                try #require(!selects.isEmpty, "the store ran no SELECT")
                return try await store.writer.read { db in
                    try selects.map { sql in
                        try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + sql).map { $0["detail"] as String }.joined(separator: " | ")
                    }.joined(separator: " || ")
                }
            }
            let listByStatus = try await plans { _ = try await store.list(status: .signed, limit: 50, before: cursor) }
            let listAll = try await plans { _ = try await store.list(status: nil, limit: 50, before: cursor) }
            let unfinished = try await plans { _ = try await store.unfinished(limit: 100) }
            let unfinishedOfPartitions = try await plans {
                _ = try await store.unfinished(topic: "broadcaster.requests", partitions: [0, 3], limit: 100)
            }
            let counts = try await plans { _ = try await store.countsByStatus() }
            let one = try await plans { _ = try await store.record(stored.id) }
            let offsets = try await plans {
                _ = try store.startingOffsets(group: "broadcaster-workers", topic: "broadcaster.requests", partitions: [0, 1])
            }

            #expect(listByStatus.contains("USING INDEX requests_by_status_updated"), "\(listByStatus)")
            #expect(listAll.contains("USING INDEX requests_by_updated"), "\(listAll)")
            // The admin list over a million rows reads its page straight off an index, unsorted.
            #expect(![listByStatus, listAll].contains { $0.contains("TEMP B-TREE") }, "\(listByStatus) / \(listAll)")
            // Unfinished requests are found by status, so only they are sorted, never the table.
            #expect(unfinished.hasPrefix("SEARCH requests USING INDEX requests_by_status_updated (status=?)"), "\(unfinished)")
            #expect(unfinishedOfPartitions.contains("USING INDEX requests_by_source_status"), "\(unfinishedOfPartitions)")
            #expect(counts.contains("USING COVERING INDEX requests_by_status_updated"), "\(counts)")
            #expect(one.contains("USING INDEX sqlite_autoindex_requests_1 (id=?)"), "\(one)")
            #expect(offsets.contains("USING PRIMARY KEY") || offsets.contains("USING INDEX sqlite_autoindex_consumer_offsets_1"), "\(offsets)")
        }
    }

    @Test func aNewStoreAndItsWALAndSharedMemoryFilesAreOwnerOnly() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("run/status.sqlite").path
            let previous = umask(0o022)  // the usual default: files come out 0644 unless created otherwise
            defer { umask(previous) }
            let store = try SQLiteStatusStore(path: path)
            _ = try await intakeOne(store, makeRequest())
            #expect(store.fileWarnings.isEmpty)
            for file in [path, path + "-wal", path + "-shm"] {
                #expect(try permissions(of: file) == 0o600, "\(file)")
            }
        }
    }

    @Test func anExistingStoreReadableByOthersIsRestrictedWithAWarning() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("status.sqlite").path
            _ = try await intakeOne(try SQLiteStatusStore(path: path), makeRequest())
            for file in [path, path + "-wal", path + "-shm"] where FileManager.default.fileExists(atPath: file) {
                #expect(chmod(file, 0o644) == 0)
            }
            let reopened = try SQLiteStatusStore(path: path)
            #expect(reopened.fileWarnings.contains { $0.contains(path) && $0.contains("0644") && $0.contains("0600") }, "\(reopened.fileWarnings)")
            _ = try await intakeOne(reopened, makeRequest(), offset: 1)
            for file in [path, path + "-wal", path + "-shm"] {
                #expect(try permissions(of: file) == 0o600, "\(file)")
            }
        }
    }
}

private func permissions(of path: String) throws -> Int {
    let attributes = try FileManager.default.attributesOfItem(atPath: path)
    return try #require(attributes[.posixPermissions] as? Int)
}

/// The SQL of the statements a store's connections run, as they run them (parameters expanded).
private final class StatementTrace: Sendable {
    private let captured = Mutex<[String]>([])

    func record(_ sql: String) { captured.withLock { $0.append(sql) } }
    func reset() { captured.withLock { $0.removeAll() } }
    var statements: [String] { captured.withLock { $0 } }
}

/// A store of `kind` whose every connection reports its statements to the trace.
private func withTracedStore<T>(
    _ kind: StoreKind, _ body: (SQLiteStatusStore, StatementTrace) async throws -> T
) async throws -> T {
    let trace = StatementTrace()
    var configuration = Configuration()
    configuration.foreignKeysEnabled = true
    configuration.prepareDatabase { db in
        db.trace(options: .statement) { event in
            if case .statement(let statement) = event { trace.record(statement.expandedSQL) }
        }
    }
    switch kind {
    case .memory:
        let queue = try DatabaseQueue(configuration: configuration)
        try SQLiteStatusStore.migrate(queue, path: ":memory:")
        return try await body(SQLiteStatusStore(writer: queue, now: { fixedNow }), trace)
    case .walFile:
        return try await withTemporaryDirectory { directory in
            let pool = try DatabasePool(path: directory.appendingPathComponent("status.sqlite").path, configuration: configuration)
            try SQLiteStatusStore.migrate(pool, path: "status.sqlite")
            return try await body(SQLiteStatusStore(writer: pool, now: { fixedNow }), trace)
        }
    }
}
