import BroadcastModel
import EVMPrimitives
import Foundation
import GRDB
import Lifecycle
@testable import SQLiteStore
@testable import StatusStore
import Testing

/// The plans of the admin list's statements for every combination of its filters and
/// searches: each reads its requests through an index, and only a search (a handful of
/// matches) may sort.
@Suite("Query plans of the admin reads")
struct AdminQueryPlanTests {
    static let selector = FunctionSelector("0x1c41742f")!

    static var queries: [RequestQuery] {
        let statusSets: [Set<TransactionStatus>] = [[], [.failed], [.signed], [.failed, .reverted]]
        let searches: [RequestSearch?] = [
            nil, RequestSearch.id(prefix: "0123abcd"), RequestSearch.hash(prefix: "0x0123abcd"), .idempotencyKey(hash: [1, 2, 3]),
        ]
        let times: [(Date?, Date?)] = [(nil, nil), (fixedNow.addingTimeInterval(-3600), fixedNow)]
        var queries: [RequestQuery] = []
        for statuses in statusSets {
            for mask in 0..<16 {
                for (from, before) in times {
                    for search in searches {
                        queries.append(RequestQuery(
                            statuses: statuses, sender: mask & 1 != 0 ? senderA : nil, contract: mask & 2 != 0 ? contract : nil,
                            selector: mask & 4 != 0 ? selector : nil, messageType: mask & 8 != 0 ? "add_weight(address _addr, uint256 _weight)" : nil,
                            createdFrom: from, createdBefore: before, search: search))
                    }
                }
            }
        }
        return queries
    }

    func narrows(_ query: RequestQuery) -> Bool {
        !query.statuses.isEmpty || query.sender != nil || query.contract != nil || query.selector != nil || query.messageType != nil
            || query.createdFrom != nil || query.search != nil
    }

    @Test func everyFilterAndSearchReadsThroughAnIndex() async throws {
        let planner = QueryPlanTests()
        try await withTracedStore(.walFile) { store, trace in
            let fences = try await leases(store)
            let stored = try await intake(store, [senderA, senderB, senderA], fences: fences)
            let cursor = ListCursor(createdAt: stored[0].createdAt, id: stored[0].id)
            var failures: [String] = []
            var printed: [String] = []
            for query in Self.queries {
                for after in [nil, cursor] {
                    let planned = try await planner.plans(store, trace) { _ = try await store.summaries(query, limit: 50, after: after) }
                    let ofRequests = planned.filter { $0.sql.contains("FROM requests r") || $0.sql.contains("CROSS JOIN requests r") }
                    if ofRequests.isEmpty { failures.append("no read of requests for \(query)") }
                    failures += planner.fullScans(planned)
                    for statement in ofRequests {
                        let steps = statement.steps.filter { $0.hasPrefix("SCAN r ") || $0.hasPrefix("SEARCH r ") }
                        if narrows(query) || after != nil, steps.contains(where: { $0.hasPrefix("SCAN") }) {
                            failures.append("a filtered read walks the whole list: \(statement)")
                        }
                        if query.search == nil, statement.plan.contains("TEMP B-TREE") {
                            failures.append("a filtered read sorts its matches: \(statement)")
                        }
                        // A search reads its matches by its own key, then each request by id.
                        if query.search != nil {
                            let byKey = ["SEARCH requests USING COVERING INDEX sqlite_autoindex_requests_1 (id>? AND id<?)",
                                         "SEARCH versions USING INDEX sqlite_autoindex_versions_1 (hash>? AND hash<?)",
                                         "SEARCH idempotency_keys USING INDEX sqlite_autoindex_idempotency_keys_1 (key_hash=?)"]
                            if !steps.allSatisfy({ $0.contains("sqlite_autoindex_requests_1 (id=?)") })
                                || !statement.steps.contains(where: { step in byKey.contains { step.contains($0) } }) {
                                failures.append("a search does not start from its key: \(statement)")
                            }
                        }
                        // A sender, contract, selector or type reads its rows of one status.
                        let byFilter = query.sender != nil || query.contract != nil || query.selector != nil || query.messageType != nil
                        if query.search == nil, byFilter, !steps.allSatisfy({ $0.contains("_status_created (") && $0.contains("=? AND status=?") }) {
                            failures.append("a filter does not read its rows of one status: \(statement)")
                        }
                        if steps.contains(where: { $0.contains("sqlite_autoindex_requests_2") }) {
                            failures.append("a read by (sender, nonce) sorts by creation: \(statement)")
                        }
                    }
                    printed += planned.map(\.description)
                }
            }
            let count = failures.count
            // The distinct plans that failed, then a few statements in full.
            let plans = Set(failures.compactMap { $0.components(separatedBy: "-> ").last })
            #expect(count == 0, "\(count) failures, \(plans.count) plans:\n\(plans.sorted().joined(separator: "\n"))\nthe first: \(failures.prefix(3).joined(separator: "\n"))")
            if ProcessInfo.processInfo.environment["PRINT_QUERY_PLANS"] == "1" {
                print(Set(printed).sorted().joined(separator: "\n"))
            }
        }
    }

    @Test func countersRetryAndAuditReadTheirRowsByKey() async throws {
        let planner = QueryPlanTests()
        try await withTracedStore(.walFile) { store, trace in
            let fence = try await lease(store)
            let stored = try await intakeOne(store, makeRequest(), fences: [senderA: fence])
            try await store.save([state(stored, .failed)], attempts: [], fence: fence)
            let entry = AuditEntry(user: "ops", action: .retry, requestID: stored.id, reason: "node lost it")
            let retry = try await planner.plans(store, trace) { _ = try await store.markRetried(original: stored.id, as: RequestID(), audit: entry) }
            let refused = try await planner.plans(store, trace) { _ = try? await store.markRetried(original: stored.id, as: RequestID(), audit: entry) }
            let retried = try await planner.plans(store, trace) { _ = try await store.retriedAs(stored.id) }
            let ofRequest = try await planner.plans(store, trace) { _ = try await store.audit(of: stored.id, limit: 20) }
            let recent = try await planner.plans(store, trace) { _ = try await store.recentAudit(limit: 20, before: 10) }
            let all = retry + refused + retried + ofRequest + recent
            #expect(planner.fullScans(all).isEmpty, "\(planner.fullScans(all))")
            #expect((retry + refused + retried).filter { $0.sql.contains("requests") }.allSatisfy { $0.plan.contains("sqlite_autoindex_requests_1 (id=?)") }, "\(retry + refused + retried)")
            #expect(ofRequest.allSatisfy { $0.plan.contains("USING INDEX audit_by_request (request_id=?)") && !$0.plan.contains("TEMP B-TREE") }, "\(ofRequest)")
            #expect(recent.allSatisfy { $0.plan.contains("USING INTEGER PRIMARY KEY (rowid<?)") && !$0.plan.contains("TEMP B-TREE") }, "\(recent)")
        }
    }
}
