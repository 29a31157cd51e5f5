import BroadcastModel
import EVMPrimitives
import Foundation
import GRDB
import Lifecycle
@testable import SQLiteStore
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

    @Test func whatABroadcastDependsOnCommitsDurablyTheRestRelaxed() async throws {
        try await withTemporaryDirectory { directory in
            let store = try SQLiteStatusStore(path: directory.appendingPathComponent("status.sqlite").path)
            func level() async throws -> Int? {
                try await store.writer.writeWithoutTransaction { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") }
            }
            let full = 2, normal = 1
            let fence = try await lease(store, senderA)
            #expect(try await level() == full, "a lease taken")
            let stored = try await intakeOne(store, makeRequest(), fences: [senderA: fence])
            #expect(try await level() == full, "intake")
            try await store.save([state(stored, .submitted)], attempts: [], fence: fence)
            #expect(try await level() == normal, "a change redone from the stored state if lost")
            try await store.save([state(stored, .replaced)], attempts: [], fence: fence)
            #expect(try await level() == full, "a new version")
            _ = try await store.reconcileNonce(fence, chainPending: Nonce(3))
            #expect(try await level() == full, "the next nonce")
            _ = try await store.renewLease(fence, length: .seconds(60))
            #expect(try await level() == normal, "a renewal")
            try await store.save([state(stored, .confirmed)], attempts: [], fence: fence)
            #expect(try await level() == full, "a final status")
            _ = try await store.claimOutbox(owner: "publisher", limit: 10, holdFor: .seconds(10))
            #expect(try await level() == normal, "an outbox claim")
            _ = try await store.claimIdempotencyKey(IdempotencyClaim(keyHash: [1], requestID: RequestID(), bodyHash: [2], at: fixedNow))
            #expect(try await level() == normal, "an idempotency claim")
        }
    }

    @Test func reopeningAMigratedFileKeepsItsDataAndAppliesNothingTwice() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("status.sqlite").path
            let first = try SQLiteStatusStore(path: path)
            let stored = try await intakeOne(first, makeRequest(), fences: [senderA: try await lease(first, senderA)])
            for _ in 0..<3 {
                let reopened = try SQLiteStatusStore(path: path)
                #expect(try await reopened.request(stored.id) == stored)
                #expect(try await reopened.leases().map(\.owner) == ["worker-1"])
            }
            let applied = try await DatabaseQueue(path: path).read { db in
                try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations")
            }
            #expect(applied == Schema.migrator.migrations)
        }
    }

    /// Worker and API processes started together on a new file: each finds the file in
    /// rollback mode and unmigrated. Threads of their own, released at once, stand for the
    /// processes (the cooperative pool runs only as many tasks at once as there are cores).
    @Test func processesOpeningANewFileAtOnceAllSucceed() async throws {
        // 20 rounds: each is 4 migrations with full syncs, and the disk is shared with every
        // other suite running meanwhile (a migration retried once only fails within a few).
        for round in 0..<20 {
            try await withTemporaryDirectory { directory in
                let path = directory.appendingPathComponent("status.sqlite").path
                let failures = await openAtOnce(path, count: 4)
                #expect(failures.isEmpty, "round \(round): \(failures)")
                let applied = try await DatabaseQueue(path: path).read { db in
                    try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations")
                }
                #expect(applied == Schema.migrator.migrations, "round \(round)")
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
                try db.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('v9-from-the-future')")
            }
            let error = #expect(throws: StatusStoreError.self) { try SQLiteStatusStore(path: path) }
            #expect(error?.code == .schemaTooNew)
            #expect(error?.description.contains("v9-from-the-future") == true)
        }
    }

    @Test(arguments: StoreKind.sqlite)
    func sqliteEnforcesTheSchemaRules(kind: StoreKind) async throws {
        try await withSQLiteStore(kind) { store in
            let fence = try await lease(store, senderA)
            let stored = try await intake(store, [senderA, senderA], fences: [senderA: fence])
            let (one, two) = (stored[0].id, stored[1].id)
            let unknown = "00000000-0000-0000-0000-000000000000"
            let hash = stored[0].lifecycle.original.hash
            try await store.writer.write { db in
                let violations = [
                    "UPDATE requests SET status = 'broadcast' WHERE id = '\(one)'",
                    "UPDATE requests SET status = 'accepted' WHERE id = '\(one)'",
                    "UPDATE requests SET outcome = 'lost' WHERE id = '\(one)'",
                    "UPDATE requests SET nonce = -1 WHERE id = '\(one)'",
                    "UPDATE requests SET nonce = 1 WHERE id = '\(one)'",
                    "UPDATE requests SET sequence = -1 WHERE id = '\(one)'",
                    "UPDATE requests SET retry_of = '\(unknown)' WHERE id = '\(one)'",
                    "INSERT INTO versions (request_id, number, kind, hash, raw, max_fee_per_gas, max_priority_fee_per_gas, signed_at) VALUES ('\(unknown)', 2, 'replacement', '0x01', x'02', '1', '1', 0)",
                    "INSERT INTO versions (request_id, number, kind, hash, raw, max_fee_per_gas, max_priority_fee_per_gas, signed_at) VALUES ('\(two)', 2, 'replacement', '\(hash)', x'02', '1', '1', 0)",
                    "INSERT INTO versions (request_id, number, kind, hash, raw, max_fee_per_gas, max_priority_fee_per_gas, signed_at) VALUES ('\(two)', 2, 'bump', '0x02', x'02', '1', '1', 0)",
                    "INSERT INTO versions (request_id, number, kind, hash, raw, max_fee_per_gas, max_priority_fee_per_gas, signed_at) VALUES ('\(two)', 0, 'replacement', '0x03', x'02', '1', '1', 0)",
                    "INSERT INTO versions (request_id, number, kind, hash, raw, max_fee_per_gas, max_priority_fee_per_gas, signed_at) VALUES ('\(two)', 1, 'replacement', '0x04', x'02', '1', '1', 0)",
                    "INSERT INTO attempts (request_id, number, version, hash, started_at, finished_at, outcome) VALUES ('\(unknown)', 1, 1, '\(hash)', 0, 0, 'accepted')",
                    "INSERT INTO attempts (request_id, number, version, hash, started_at, finished_at, outcome) VALUES ('\(one)', 1, 1, '\(hash)', 0, 0, 'maybe')",
                    "INSERT INTO attempts (request_id, number, version, hash, started_at, finished_at, outcome) VALUES ('\(one)', 0, 1, '\(hash)', 0, 0, 'accepted')",
                    "INSERT INTO attempts (request_id, number, version, hash, started_at, finished_at, outcome) VALUES ('\(one)', 1, 0, '\(hash)', 0, 0, 'accepted')",
                    "INSERT INTO sender_leases (sender, owner, epoch, expires_at) VALUES ('\(senderB)', 'w', 0, 0)",
                    "INSERT INTO sender_leases (sender, owner, epoch, expires_at) VALUES ('\(senderA.checksummed)', 'w', 1, 0)",
                    "INSERT INTO sender_nonces (address, next_nonce) VALUES ('0x00', -1)",
                    "INSERT INTO chain_head (id, number, seen_at) VALUES (2, 1, 0)",
                    "INSERT INTO chain_head (id, number, seen_at) VALUES (1, -1, 0)",
                ]
                for sql in violations {
                    #expect(throws: DatabaseError.self, "\(sql)") { try db.execute(sql: sql) }
                }
            }
        }
    }

    @Test func aWriteLockHeldTooLongIsATransientErrorAndNothingOfTheBatchIsStored() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("status.sqlite").path
            let store = try SQLiteStatusStore(path: path, busyTimeout: .milliseconds(100))
            let fence = try await lease(store, senderA)
            let request = makeRequest()
            try await holdingTheWriteLock(of: path) {
                let error = await #expect(throws: StatusStoreError.self) {
                    try await store.intake(messages([request]), fences: [senderA: fence], retryDeadline: .seconds(600), sign: fakeSign)
                }
                #expect(error?.code == .busy)
                #expect(error?.isTransient == true)
                #expect(error?.description.contains("store.busyTimeout") == true)
                let saveError = await #expect(throws: StatusStoreError.self) {
                    try await store.renewLease(fence, length: .seconds(60))
                }
                #expect(saveError?.code == .busy)
            }
            #expect(try await store.request(request.id) == nil)
            #expect(try await intakeOne(store, request, fences: [senderA: fence]).lifecycle.nonce == Nonce(0), "the same batch succeeds once the lock is free")
        }
    }
}
