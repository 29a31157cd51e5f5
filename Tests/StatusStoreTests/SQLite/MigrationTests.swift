import BroadcastModel
import EVMPrimitives
import Foundation
import GRDB
import Lifecycle
@testable import SQLiteStore
@testable import StatusStore
import Testing

/// Files the previous releases left behind, opened by this one.
@Suite("Migrating store files written by earlier releases")
struct MigrationTests {
    /// One row of the v1-v3 `requests` table.
    struct OldRequest {
        var id = RequestID()
        var from: Address
        var status: String
        var nonce: Int64
        var attempts: Int
        var nextAttemptAt: Int64?
        var lastError: String?
        var retryOf: RequestID?
        var topic: String?
        var partition: Int32?
        var createdAt: Int64 = 1_700_000_000_000
        var updatedAt: Int64 = 1_700_000_060_000

        var raw: [UInt8] { [0x02, 0xf8] + Array(id.description.utf8) }
        var hash: TxHash { try! TxHash(bytes: Keccak256.hash(raw)) }
    }

    /// A file as the release before the lifecycle left it: migrated up to v3 by that release's
    /// migrations, with rows written by its SQL.
    func writeOldFile(at path: String, _ requests: [OldRequest], attempts: [(RequestID, Int, String, String?)]) throws {
        let queue = try DatabaseQueue(path: path)
        try Schema.migrator.migrate(queue, upTo: "v3-idempotency-first-answer")
        try queue.write { db in
            for request in requests {
                try db.execute(
                    sql: """
                        INSERT INTO requests (id, message_type, function, data, to_address, from_address, accepted_at, retry_of,
                            status, nonce, raw_tx, tx_hash, attempts, next_attempt_at, last_error, created_at, updated_at,
                            source_topic, source_partition)
                        VALUES (?, 'add_weight(address _addr, uint256 _weight)', 'add_weight(address,uint256)', ?, ?, ?, ?, ?,
                            ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [
                        request.id.description, Data([0x1c, 0x41, 0x74, 0x2f]), contract.checksummed, request.from.checksummed,
                        request.createdAt - 500, request.retryOf?.description, request.status, request.nonce, Data(request.raw),
                        request.hash.description, request.attempts, request.nextAttemptAt, request.lastError, request.createdAt,
                        request.updatedAt, request.topic, request.partition,
                    ])
            }
            for (id, number, outcome, error) in attempts {
                try db.execute(
                    sql: """
                        INSERT INTO attempts (request_id, number, started_at, finished_at, outcome, endpoint, error)
                        VALUES (?, ?, ?, ?, ?, 'http://node:8545', ?)
                        """,
                    arguments: [id.description, number, 1_700_000_001_000 + Int64(number), 1_700_000_002_000 + Int64(number), outcome, error])
            }
            try db.execute(sql: "INSERT INTO sender_nonces (address, next_nonce) VALUES (?, 4), (?, 1)", arguments: [senderA.checksummed, senderB.checksummed])
            try db.execute(sql: "INSERT INTO consumer_offsets (consumer_group, topic, partition, next_offset) VALUES (?, ?, 2, 17)", arguments: [workersGroup, requestsTopic])
            try db.execute(
                sql: "INSERT INTO idempotency_keys (key_hash, request_id, body_hash, created_at, first_status, first_headers, first_body) VALUES (?, ?, ?, 0, 200, '[]', ?)",
                arguments: [Data([9, 9]), requests[0].id.description, Data([8]), Data("{}".utf8)])
        }
        try queue.close()
    }

    @Test func aV3FileConvertsToTheLifecycleAsDocumented() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("status.sqlite").path
            let signed = OldRequest(from: senderA, status: "signed", nonce: 0, attempts: 0, topic: requestsTopic, partition: 2)
            let retrying = OldRequest(
                from: senderA, status: "retrying", nonce: 1, attempts: 2, nextAttemptAt: 1_700_000_090_000, lastError: "timed out after 45 s",
                topic: requestsTopic, partition: 2)
            let broadcast = OldRequest(from: senderA, status: "broadcast", nonce: 2, attempts: 1, topic: requestsTopic, partition: 2)
            let failed = OldRequest(
                from: senderA, status: "failed", nonce: 3, attempts: 1, lastError: "insufficient funds for gas * price + value", topic: requestsTopic, partition: 2)
            // Stored before v2 kept where requests came from.
            let retryOfFailed = OldRequest(from: senderB, status: "retrying", nonce: 0, attempts: 1, retryOf: failed.id)
            try writeOldFile(
                at: path, [signed, retrying, broadcast, failed, retryOfFailed],
                attempts: [
                    (retrying.id, 1, "retryable", "connection refused"), (retrying.id, 2, "retryable", "timed out after 45 s"),
                    (broadcast.id, 1, "accepted", nil), (failed.id, 1, "rejected", "insufficient funds for gas * price + value"),
                    (retryOfFailed.id, 1, "retryable", "connection refused"),
                ])

            let store = try SQLiteStatusStore(path: path)
            func read(_ old: OldRequest) async throws -> StoredRequest { try #require(try await store.request(old.id), "\(old.status)") }
            func date(_ millis: Int64) -> Date { Date(timeIntervalSince1970: Double(millis) / 1000) }

            // Every request keeps its one transaction as version 1, fees unknown.
            for old in [signed, retrying, broadcast, failed, retryOfFailed] {
                let stored = try await read(old)
                let expected = TransactionVersion(
                    number: 1, kind: .original, hash: old.hash, raw: old.raw, fees: FeeCaps(maxFeePerGas: .zero, maxPriorityFeePerGas: .zero),
                    signedAt: date(old.createdAt))
                #expect(stored.lifecycle.versions == [expected], "\(old.status)")
                #expect(stored.lifecycle.nonce == Nonce(UInt64(old.nonce)) && stored.request.from == old.from)
                #expect(stored.sequence == 1)
                #expect(stored.lifecycle.sends == old.attempts, "\(old.status)")
                #expect(stored.lifecycle.deadline == date(old.updatedAt + 1_800_000), "\(old.status)")
                #expect(stored.createdAt == date(old.createdAt) && stored.updatedAt == date(old.updatedAt))
                #expect(stored.request.retryOf == old.retryOf)
                #expect(stored.sourceTopic == old.topic && stored.sourcePartition == old.partition)
                #expect(stored.lifecycle.lastError == old.lastError || old.status == "failed")
            }

            let nowSigned = try await read(signed)
            #expect(nowSigned.status == .signed)
            #expect(nowSigned.lifecycle.nextSendAt == date(signed.updatedAt), "due to be sent at once")

            let nowRetrying = try await read(retrying)
            #expect(nowRetrying.status == .retrying)
            #expect(nowRetrying.lifecycle.nextSendAt == date(1_700_000_090_000))
            #expect(nowRetrying.lifecycle.acceptedVersion == 0)

            let submitted = try await read(broadcast)
            #expect(submitted.status == .submitted)
            #expect(submitted.lifecycle.acceptedVersion == 1)
            #expect(submitted.lifecycle.nextSendAt == nil)
            #expect(submitted.lifecycle.acceptedAt == date(broadcast.updatedAt))
            // The next owner asks the node whether it still holds the transaction (it may have
            // been evicted before the upgrade), rather than waiting on it forever.
            var lifecycle = RequestLifecycle(state: submitted.lifecycle, policy: testPolicy)
            let actions = lifecycle.nextActions(.init(now: Date(), head: BlockNumber(100), market: nil))
            #expect(actions == [.checkPool(submitted.lifecycle.original)], "\(actions)")

            let nowFailed = try await read(failed)
            #expect(nowFailed.status == .failed && nowFailed.lifecycle.isFinal)
            guard case .failed(let reason) = nowFailed.lifecycle.outcome else {
                Issue.record("a failed request converts to a final failed: \(nowFailed.lifecycle)")
                return
            }
            #expect(reason.contains("before the lifecycle was tracked") && reason.contains("check the chain"))
            #expect(nowFailed.lifecycle.lastError == failed.lastError)

            // Attempts: of version 1, with its hash, outcomes in the new words.
            #expect(try await store.attempts(of: retrying.id).map(\.outcome) == [.unknown, .unknown])
            #expect(try await store.attempts(of: broadcast.id).map(\.outcome) == [.accepted])
            let refused = try await store.attempts(of: failed.id)
            #expect(refused == [BroadcastAttempt(
                requestID: failed.id, number: 1, version: 1, hash: failed.hash, startedAt: date(1_700_000_001_001),
                finishedAt: date(1_700_000_002_001), outcome: .invalid, endpoint: "http://node:8545", error: failed.lastError)])
            #expect(try await store.attempts(of: retryOfFailed.id).map(\.version) == [1])

            // What the workers resume: unfinished work by sender, nobody holding it yet.
            #expect(try await store.unfinished(sender: senderA).map(\.id) == [signed.id, retrying.id, broadcast.id])
            #expect(try await store.unfinished(sender: senderB).map(\.id) == [retryOfFailed.id])
            #expect(try await store.unfinishedSenders(topic: requestsTopic, partitions: [2]) == [senderA])
            let orphans = try await store.orphanedSenders().sorted { $0.sender.checksummed < $1.sender.checksummed }
            #expect(orphans == [
                OrphanedSender(sender: senderA, topic: requestsTopic, partition: 2), OrphanedSender(sender: senderB, topic: nil, partition: nil),
            ].sorted { $0.sender.checksummed < $1.sender.checksummed })
            var counts = Dictionary(uniqueKeysWithValues: TransactionStatus.allCases.filter { $0 != .accepted }.map { ($0, 0) })
            counts[.signed] = 1
            counts[.retrying] = 2
            counts[.submitted] = 1
            counts[.failed] = 1
            #expect(try await store.countsByStatus() == counts)
            #expect(try await outboxEvents(store).isEmpty, "nothing to announce: no status changed")

            // Nonces, offsets and idempotency keys are kept.
            #expect(try store.startingOffsets(group: workersGroup, topic: requestsTopic, partitions: [2]) == [2: 17])
            #expect(try await store.claimIdempotencyKey(IdempotencyClaim(keyHash: [9, 9], requestID: RequestID(), bodyHash: [1], at: fixedNow))
                == .existing(requestID: signed.id, bodyHash: [8], firstAnswer: IdempotentAnswer(status: 200, headers: [], body: Array("{}".utf8))))
            let fence = try await lease(store, senderA)
            #expect(try await nextNonce(store, senderA, fences: [senderA: fence], offset: 17) == Nonce(4))
            #expect(try await store.reconcileNonce(fence, chainPending: Nonce(0)) == Nonce(5))

            // A converted request goes on like any other.
            try await store.save([applying([.included(inclusion(of: broadcast.hash))], to: submitted.lifecycle)], attempts: [], fence: fence)
            #expect(try await store.request(broadcast.id)?.status == .mined)
            #expect(try await outboxEvents(store, of: broadcast.id).map(\.sequence) == [2])

            let integrity = try await store.writer.read { db in
                (try String.fetchAll(db, sql: "PRAGMA integrity_check"), try Row.fetchAll(db, sql: "PRAGMA foreign_key_check").count,
                 try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE name LIKE '%_v4'"),
                 try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations ORDER BY identifier"))
            }
            #expect(integrity.0 == ["ok"])
            #expect(integrity.1 == 0)
            #expect(integrity.2.isEmpty)
            #expect(integrity.3 == Schema.migrator.migrations.sorted())
        }
    }

    @Test func aKeyClaimedBeforeMigrationV3HasNoFirstAnswerAndCanGetOne() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("status.sqlite").path
            let old = IdempotencyClaim(keyHash: [UInt8](repeating: 8, count: 32), requestID: RequestID(), bodyHash: [UInt8](repeating: 1, count: 32), at: fixedNow)
            // A file as an earlier release left it: migrated up to v2, with one claimed key.
            let queue = try DatabaseQueue(path: path)
            try Schema.migrator.migrate(queue, upTo: "v2-requests-source-partition")
            try await queue.write { db in
                try db.execute(
                    sql: "INSERT INTO idempotency_keys (key_hash, request_id, body_hash, created_at) VALUES (?, ?, ?, ?)",
                    arguments: [Data(old.keyHash), old.requestID.description, Data(old.bodyHash), 1_750_000_000_000])
            }
            try queue.close()

            let store = try SQLiteStatusStore(path: path)
            #expect(try await store.claimIdempotencyKey(old) == .existing(requestID: old.requestID, bodyHash: old.bodyHash, firstAnswer: nil))
            let given = IdempotentAnswer(status: 200, headers: [.init(name: "Content-Type", value: "application/json")], body: Array("{}".utf8))
            #expect(try await store.recordFirstAnswer(given, forKey: old.keyHash) == given)
            let reopened = try SQLiteStatusStore(path: path)
            #expect(try await reopened.claimIdempotencyKey(old) == .existing(requestID: old.requestID, bodyHash: old.bodyHash, firstAnswer: given))
        }
    }
}
