import BroadcastModel
import EVMPrimitives
import Foundation
import GRDB
import Lifecycle
@testable import SQLiteStore
@testable import StatusStore
import Testing

/// The plans of the statements the store itself runs (captured by tracing its connections),
/// not of copies of them: a query that reads the whole requests table is a worker that slows
/// down with every request it ever took.
@Suite("Query plans of the store's own statements")
struct QueryPlanTests {
    /// One statement the store ran and SQLite's plan for it, one line per step.
    struct Planned: CustomStringConvertible {
        let sql: String
        let steps: [String]
        var plan: String { steps.joined(separator: " | ") }
        var description: String { "\(sql)\n    -> \(plan)" }
    }

    /// The plans of what `call` ran (statements that read, update or delete).
    func plans(
        _ store: SQLiteStatusStore, _ trace: StatementTrace, sourceLocation: SourceLocation = #_sourceLocation, _ call: () async throws -> Void
    ) async throws -> [Planned] {
        trace.reset()
        try await call()
        let statements = trace.statements.filter { sql in
            // Reads of the store's clock (`SELECT CAST(julianday('now') …)`) read no table.
            (sql.hasPrefix("SELECT") && sql.contains("FROM") || ["WITH", "UPDATE", "DELETE", "INSERT"].contains { sql.hasPrefix($0) })
                && !sql.contains("sqlite_") && !sql.contains("grdb_")
        }
        try #require(!statements.isEmpty, "the store ran nothing that reads a table: \(trace.statements)", sourceLocation: sourceLocation)
        return try await store.writer.read { db in
            try statements.map { sql in
                Planned(sql: sql, steps: try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + sql).map { $0["detail"] as String })
            }
        }
    }

    /// Steps that read a whole table of requests, versions or attempts, row by row.
    func fullScans(_ planned: [Planned]) -> [String] {
        planned.flatMap { statement in
            statement.steps.filter { step in
                let words = step.split(separator: " ").map(String.init)
                return words.count >= 2 && words[0] == "SCAN" && !step.contains("USING")
                    && ["requests", "versions", "attempts", "r", "v", "a"].contains(words[1])
            }.map { "\($0) in \(statement.sql)" }
        }
    }

    /// The reads of `table` among `planned` (GRDB quotes the names it writes).
    func selects(_ planned: [Planned], from table: String) -> [Planned] {
        planned.filter { $0.sql.hasPrefix("SELECT") && ($0.sql.contains("FROM \(table) ") || $0.sql.contains("FROM \"\(table)\"")) }
    }

    @Test(arguments: StoreKind.sqlite)
    func theStoresQueriesFindTheirRowsThroughIndexes(kind: StoreKind) async throws {
        try await withTracedStore(kind) { store, trace in
            let fences = try await leases(store)
            let fence = try #require(fences[senderA])
            var all: [Planned] = []

            let intake = try await plans(store, trace) {
                _ = try await store.intake(
                    messages([makeRequest(from: senderA), makeRequest(from: senderB), makeRequest(retryOf: RequestID())]),
                    fences: fences, retryDeadline: .seconds(600), sign: fakeSign)
            }
            all += intake
            let stored = try #require(try await store.unfinished(sender: senderA).first)
            let save = try await plans(store, trace) {
                try await store.save(
                    [state(stored, .replaced)],
                    attempts: [BroadcastAttempt(requestID: stored.id, number: 1, version: 1, hash: stored.lifecycle.original.hash, startedAt: fixedNow, finishedAt: fixedNow, outcome: .accepted)],
                    fence: fence)
            }
            all += save
            let unfinished = try await plans(store, trace) { _ = try await store.unfinished(sender: senderA) }
            all += unfinished
            let senders = try await plans(store, trace) { _ = try await store.unfinishedSenders(topic: requestsTopic, partitions: [0, 3]) }
            all += senders
            let orphans = try await plans(store, trace) { _ = try await store.orphanedSenders() }
            all += orphans
            let reconcile = try await plans(store, trace) { _ = try await store.reconcileNonce(fence, chainPending: Nonce(1)) }
            all += reconcile
            let claim = try await plans(store, trace) { _ = try await store.claimOutbox(owner: "publisher", limit: 100, holdFor: .seconds(60)) }
            all += claim
            let acknowledge = try await plans(store, trace) { try await store.acknowledgeOutbox([1, 2]) }
            all += acknowledge
            let cursor = RecordCursor(after: stored)
            let listByStatus = try await plans(store, trace) { _ = try await store.list(status: .signed, limit: 50, before: cursor) }
            all += listByStatus
            let listAll = try await plans(store, trace) { _ = try await store.list(status: nil, limit: 50, before: cursor) }
            all += listAll
            let counts = try await plans(store, trace) { _ = try await store.countsByStatus() }
            all += counts
            let one = try await plans(store, trace) { _ = try await store.request(stored.id) }
            all += one
            let attempts = try await plans(store, trace) { _ = try await store.attempts(of: stored.id) }
            all += attempts
            let leaseWork = try await plans(store, trace) {
                _ = try await store.renewLease(fence, length: .seconds(3600))
                _ = try await store.acquireLease(sender: senderB, owner: "worker-2", length: .seconds(3600))
                try await store.releaseLease(fences[senderC]!)
            }
            all += leaseWork
            let offsets = try await plans(store, trace) {
                _ = try store.startingOffsets(group: workersGroup, topic: requestsTopic, partitions: [0, 1])
                try store.moveOffset(group: workersGroup, topic: requestsTopic, partition: 0, from: 3, to: 0)
            }
            all += offsets

            #expect(fullScans(all).isEmpty, "\(fullScans(all))")
            if ProcessInfo.processInfo.environment["PRINT_QUERY_PLANS"] == "1" {
                print(all.map(\.description).joined(separator: "\n"))
            }

            let unfinishedRequests = selects(unfinished, from: "requests")
            #expect(unfinishedRequests.count == 1 && unfinishedRequests.allSatisfy {
                $0.plan.hasPrefix("SEARCH requests USING INDEX requests_unfinished (from_address=?)") && !$0.plan.contains("TEMP B-TREE")
            }, "\(unfinished)")
            // Their versions by the versions' key (request_id, number).
            let versions = selects(unfinished, from: "versions")
            #expect(!versions.isEmpty && versions.allSatisfy { $0.plan.contains("SEARCH versions USING INDEX sqlite_autoindex_versions_2 (request_id=?)") }, "\(unfinished)")
            #expect(senders.count == 1 && senders.allSatisfy { $0.plan.contains("USING INDEX requests_unfinished_by_source (source_topic=? AND source_partition=?)") }, "\(senders)")
            // Only the unfinished rows, by status or through the partial index; each one's lease by its key.
            #expect(orphans.count == 1 && orphans.allSatisfy {
                ($0.plan.contains("SEARCH r USING INDEX requests_by_status_updated (status=?)")
                    || $0.plan.contains("SEARCH r USING INDEX requests_by_status_created (status=?)") || $0.plan.contains("USING INDEX requests_unfinished"))
                    && $0.plan.contains("SEARCH l USING INDEX sqlite_autoindex_sender_leases_1 (sender=?)")
            }, "\(orphans)")
            #expect(reconcile.contains { $0.plan.contains("COVERING INDEX sqlite_autoindex_requests_2 (from_address=?)") }, "\(reconcile)")
            // The admin list over a million rows reads its page straight off an index, unsorted.
            #expect(listByStatus.contains { $0.plan.contains("USING INDEX requests_by_status_updated (status=? AND") }, "\(listByStatus)")
            #expect(listAll.contains { $0.plan.contains("USING INDEX requests_by_updated") }, "\(listAll)")
            #expect(!(listByStatus + listAll).contains { $0.plan.contains("TEMP B-TREE") }, "\(listByStatus + listAll)")
            // The counters, never the requests.
            #expect(!counts.isEmpty && counts.allSatisfy { $0.sql.contains("FROM status_counts") }, "\(counts)")
            let byID = selects(one, from: "requests")
            #expect(!byID.isEmpty && byID.allSatisfy { $0.plan.contains("USING INDEX sqlite_autoindex_requests_1 (id=?)") }, "\(one)")
            #expect(attempts.allSatisfy { $0.plan.contains("SEARCH attempts USING INDEX sqlite_autoindex_attempts_1 (request_id=?)") }, "\(attempts)")
            #expect(leaseWork.allSatisfy { !$0.plan.contains("SCAN") }, "\(leaseWork)")
            #expect(offsets.allSatisfy { $0.plan.contains("sqlite_autoindex_consumer_offsets_1") }, "\(offsets)")
            #expect(acknowledge.allSatisfy { $0.plan.contains("SEARCH outbox USING INTEGER PRIMARY KEY (rowid=?)") }, "\(acknowledge)")
            // The outbox: oldest first straight off its key (no sort of the whole outbox), and
            // whether another publisher holds a request's events through an index.
            #expect(!claim.contains { $0.plan.contains("TEMP B-TREE") }, "\(claim)")
            #expect(claim.contains { $0.plan.contains("USING INDEX outbox_held_by_request") }, "\(claim)")
        }
    }
}
