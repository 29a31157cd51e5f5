import BroadcastModel
import BroadcasterConfig
import EVMPrimitives
import Foundation
import Lifecycle
import Logging
import PostgresNIO
import PostgresStore
import PostgresTestSupport
import StatusStore
import Testing

/// What only the PostgreSQL engine has: migrations under the advisory lock, its refusal of a
/// schema it does not know, and hosts that only the database keeps apart (each store value
/// is its own pooled client, as each host's process is).
@Suite("PostgreSQL engine")
struct PostgresEngineTests {
    let logger = Logger(label: "test.postgres-store")

    @Test func twoHostsMigratingAtOnceMigrateOnce() async throws {
        try await withPostgresDatabase { settings in
            async let first = PostgresStatusStore.migrate(settings, logger: logger)
            async let second = PostgresStatusStore.migrate(settings, logger: logger)
            let applied = try await [first, second]
            // One of them applied the schema; the other waited for the lock, then found it done.
            #expect(applied.flatMap { $0 }.sorted() == [1])
            #expect(try await PostgresStatusStore.migrate(settings, logger: logger) == [])
            #expect(try await rows(settings, "SELECT version FROM schema_migrations ORDER BY version") == ["1"])
        }
    }

    @Test func aDatabaseMigratedByANewerBuildIsRefused() async throws {
        try await withPostgresDatabase { settings in
            _ = try await PostgresStatusStore.migrate(settings, logger: logger)
            _ = try await rows(settings, "INSERT INTO schema_migrations (version, applied_at) VALUES (999, 0)")
            let error = await #expect(throws: StatusStoreError.self) {
                try await PostgresStatusStore.with(settings, logger: logger) { _ in }
            }
            #expect(error?.code == .schemaTooNew)
            #expect(error?.description.contains("999") == true)
            let migrating = await #expect(throws: StatusStoreError.self) {
                _ = try await PostgresStatusStore.migrate(settings, logger: logger)
            }
            #expect(migrating?.code == .schemaTooNew)
        }
    }

    @Test func aProcessToldNotToMigrateRefusesADatabaseThatIsBehind() async throws {
        try await withPostgresDatabase { settings in
            let error = await #expect(throws: StatusStoreError.self) {
                try await PostgresStatusStore.with(settings, migrate: false, logger: logger) { _ in }
            }
            #expect(error?.description.contains("broadcaster migrate") == true)
            _ = try await PostgresStatusStore.migrate(settings, logger: logger)
            let senders = try await PostgresStatusStore.with(settings, migrate: false, logger: logger) { store in
                try await store.orphanedSenders()
            }
            #expect(senders.isEmpty)
        }
    }

    /// A server that refuses connections (a wrong store.url, a server down) is an error that
    /// names it, at once: the pool alone would retry for ever.
    @Test func anUnreachableServerIsAnErrorNotAWait() async throws {
        let settings = PostgresSettings(
            host: "127.0.0.1", port: 1, database: "broadcaster", username: "broadcaster", tls: .disable, connectTimeout: .seconds(5))
        let error = await #expect(throws: StatusStoreError.self) {
            try await PostgresStatusStore.with(settings, logger: logger) { _ in }
        }
        #expect(error?.code == .cannotOpen)
        #expect(error?.description.contains("broadcaster on 127.0.0.1:1") == true)
        let migrating = await #expect(throws: StatusStoreError.self) {
            _ = try await PostgresStatusStore.migrate(settings, logger: logger)
        }
        #expect(migrating?.code == .cannotOpen)
    }

    /// Two hosts' intakes of one sender at once (both under the one lease, as a worker whose
    /// rebalance left two consumers on the sender's partition for a moment): the sender's
    /// nonce row lock puts them one after the other, so no nonce is handed out twice and none
    /// is skipped.
    @Test func concurrentIntakeOfOneSenderFromTwoHostsNeverHandsOutANonceTwice() async throws {
        try await withPostgresDatabase { settings in
            try await withTwoHosts(settings) { first, second in
                let fence = try await lease(first, senderA, owner: "worker-1")
                let batches = 10, batchSize = 5
                let nonces = try await withThrowingTaskGroup(of: [UInt64].self) { group in
                    for (host, store) in [first, second].enumerated() {
                        group.addTask {
                            var nonces: [UInt64] = []
                            for batch in 0..<batches {
                                let requests = (0..<batchSize).map { _ in makeRequest(from: senderA) }
                                let results = try await store.intake(
                                    messages(requests, firstOffset: Int64(batch * batchSize), partition: Int32(host)),
                                    fences: [senderA: fence], retryDeadline: .seconds(600), sign: Self.slowSign)
                                nonces += results.compactMap(\.stored).map(\.lifecycle.nonce.value)
                            }
                            return nonces
                        }
                    }
                    return try await group.reduce(into: []) { $0 += $1 }
                }
                #expect(nonces.sorted() == Array(0..<UInt64(2 * batches * batchSize)))
                #expect(try await first.unfinished(sender: senderA).count == 2 * batches * batchSize)
            }
        }
    }

    /// Two hosts' publishers claiming at once, round after round, each publishing (and
    /// acknowledging) what it got: `FOR UPDATE SKIP LOCKED` hands each event to one of them,
    /// never to both, and a request's events stay with one publisher per round.
    @Test func publishersOnTwoHostsClaimingAtOnceNeverShareAnEvent() async throws {
        try await withPostgresDatabase { settings in
            try await withTwoHosts(settings) { first, second in
                let fences = try await leases(first, [senderA, senderB, senderC])
                for sender in [senderA, senderB, senderC] {
                    _ = try await first.intake(
                        messages((0..<20).map { _ in makeRequest(from: sender) }), fences: fences, retryDeadline: .seconds(600),
                        sign: fakeSign)
                }
                var published: [Int64] = []
                for round in 0..<30 where published.count < 60 {
                    let claims = try await withThrowingTaskGroup(of: [OutboxEntry].self) { group in
                        for (host, store) in [first, second].enumerated() {
                            group.addTask {
                                let claimed = try await store.claimOutbox(owner: "publisher-\(host)-\(round)", limit: 7, holdFor: .seconds(60))
                                try await store.acknowledgeOutbox(claimed.map(\.sequence))
                                return claimed
                            }
                        }
                        return try await group.reduce(into: []) { $0.append($1) }
                    }
                    let requests = claims.map { Set($0.map(\.event.id)) }
                    #expect(requests.count < 2 || requests[0].isDisjoint(with: requests[1]))
                    published += claims.flatMap { $0.map(\.sequence) }
                }
                #expect(published.count == 60)
                #expect(Set(published).count == published.count)
            }
        }
    }

    /// A lease taken over while the old owner's intake waits for the lease row: the takeover
    /// waits for the intake's commit (the row is share-locked), so the old owner's write
    /// lands before, never after, the new owner holds the sender.
    @Test func aStaleOwnersWriteAfterATakeoverIsRefused() async throws {
        try await withPostgresDatabase { settings in
            try await withTwoHosts(settings) { first, second in
                let stale = try await lease(first, senderA, owner: "worker-1", length: .milliseconds(300))
                try await Task.sleep(for: .milliseconds(600))
                let current = try await lease(second, senderA, owner: "worker-2")
                #expect(current.epoch == stale.epoch + 1)
                let error = await #expect(throws: StatusStoreError.self) {
                    _ = try await first.intake(
                        messages([makeRequest(from: senderA)]), fences: [senderA: stale], retryDeadline: .seconds(600), sign: fakeSign)
                }
                #expect(error?.code == .fenced)
                #expect(try await second.renewLease(stale, length: .seconds(60)) == nil)
                #expect(try await second.unfinished(sender: senderA).isEmpty)
            }
        }
    }

    /// Signs as `fakeSign` does, slowly, so that the two hosts' intake transactions overlap.
    @Sendable private static func slowSign(_ request: BroadcastRequest, _ nonce: Nonce) throws -> TransactionVersion {
        Thread.sleep(forTimeInterval: 0.005)
        return try fakeSign(request, nonce)
    }

    /// Two store values on one database, each its own pool: two hosts.
    private func withTwoHosts(
        _ settings: PostgresSettings, _ body: (PostgresStatusStore, PostgresStatusStore) async throws -> Void
    ) async throws {
        // Each host waits for the other's row locks as long as it takes: these tests are about
        // who gets what, and next to the other suites on two cores a lock holder can wait
        // seconds for a thread (a worker retries a lock timeout; these would only fail).
        try await PostgresStatusStore.with(settings, busyTimeout: .seconds(60), logger: logger, now: { fixedNow }) { first in
            try await PostgresStatusStore.with(settings, busyTimeout: .seconds(60), logger: logger, now: { fixedNow }) { second in
                try await body(first, second)
            }
        }
    }

    /// Runs `sql` on its own connection and returns the first column of each row as text.
    private func rows(_ settings: PostgresSettings, _ sql: String) async throws -> [String] {
        var configuration = PostgresClient.Configuration(
            host: settings.host, port: settings.port, username: settings.username, password: nil, database: settings.database,
            tls: .disable)
        configuration.options.maximumConnections = 1
        let client = PostgresClient(configuration: configuration)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            let result = try await client.query(PostgresQuery(unsafeSQL: sql), logger: logger)
            var values: [String] = []
            for try await row in result {
                values.append(try row.decode(Int64.self).description)
            }
            return values
        }
    }
}
