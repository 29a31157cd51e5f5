import BroadcastModel
import Foundation
import PostgresNIO
@testable import PostgresStore
import PostgresTestSupport
@testable import StatusStore
import Testing

/// The PostgreSQL plans of the admin list's statements, for every combination of filters and
/// searches the SQLite plans are checked for: each has an index path that reads requests in
/// list order, so that only a search (a handful of matches) sorts. The test's tables are
/// empty, where a scan, or a bitmap read then a sort of the few rows estimated, is cheapest;
/// both are priced out so that the plan shows whether such a path exists.
@Suite("Query plans of the PostgreSQL admin reads")
struct PostgresAdminQueryPlanTests {
    @Test func everyFilterAndSearchReadsThroughAnIndexInListOrder() async throws {
        try await withPostgresDatabase { settings in
            try await PostgresStatusStore.with(settings, logger: postgresLogger) { store in
                let cursor = ListCursor(createdAt: fixedNow, id: RequestID())
                let failures = try await store.read { connection in
                    var failures: [String] = []
                    // Session-wide on this pooled connection, reset below.
                    try await connection.run("SET enable_seqscan = off", postgresLogger)
                    try await connection.run("SET enable_bitmapscan = off", postgresLogger)
                    for query in AdminQueryPlanTests.queries {
                        for after in [nil, cursor] {
                            let statement = try SummarySQL.select(query, parts: AdminReads.statusParts(of: query), after: after, limit: 51)
                            let plan = try await connection.all(
                                PostgresQuery(unsafeSQL: "EXPLAIN " + statement.sql, binds: statement.binds), postgresLogger
                            ).map { try $0.decode(String.self) }
                            let text = plan.joined(separator: "\n")
                            if text.contains("Seq Scan") { failures.append("a scan for \(query), after \(String(describing: after)):\n\(text)") }
                            let sorts = plan.contains { $0.range(of: #"^\s*(->\s+)?(Incremental )?Sort\s+\("#, options: .regularExpression) != nil }
                            if query.search == nil && sorts { failures.append("a sort for \(query), after \(String(describing: after)):\n\(text)") }
                        }
                    }
                    try await connection.run("RESET enable_seqscan", postgresLogger)
                    try await connection.run("RESET enable_bitmapscan", postgresLogger)
                    return failures
                }
                #expect(failures.isEmpty, "\(failures.count) plans:\n\(failures.prefix(3).joined(separator: "\n\n"))")
            }
        }
    }
}
