import BroadcasterConfig
import PostgresTestSupport
import Testing

/// The test server the PostgreSQL half of the suite runs on: one server, a database per test.
@Suite("PostgreSQL test server")
struct TestServerTests {
    @Test func eachCallGetsItsOwnDatabaseOnLoopbackDroppedAfterwards() async throws {
        let (first, second) = try await withPostgresDatabase { first in
            try await withPostgresDatabase { second in
                let existing = try await postgresTestDatabases()
                #expect(existing.isSuperset(of: [first.database, second.database]))
                return (first, second)
            }
        }
        #expect(first.database != second.database)
        #expect(first.port == second.port && first.host == "127.0.0.1" && first.tls == .disable)
        let left = try await postgresTestDatabases()
        #expect(left.isDisjoint(with: [first.database, second.database]))
    }
}
