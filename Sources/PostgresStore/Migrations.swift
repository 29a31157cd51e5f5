import BroadcasterConfig
import Foundation
import Logging
import PostgresNIO
import StatusStore

/// Applies `Schema.migrations` in one transaction under a transaction-scoped advisory lock, so
/// hosts starting together queue: the first applies what is pending, the others then find
/// nothing left. Each applied version is a row of `schema_migrations`, committed with its
/// migration.
enum Migrations {
    /// The advisory lock's key: "broadcaster" in ASCII, the store's own across databases.
    static let lockKey: Int64 = 0x62_726F_6164_6361

    /// Applies the pending migrations; returns the versions applied now.
    static func apply(_ client: PostgresClient, settings: PostgresSettings, logger: Logger) async throws -> [Int] {
        do {
            return try await client.withConnection { connection in
                try await connection.run("BEGIN", logger)
                do {
                    try await connection.run("SELECT pg_advisory_xact_lock(\(lockKey))", logger)
                    try await connection.run(
                        "CREATE TABLE IF NOT EXISTS schema_migrations (version bigint NOT NULL PRIMARY KEY, applied_at bigint NOT NULL)",
                        logger)
                    let applied = try await appliedVersions(connection, logger)
                    try refuseNewer(applied, settings)
                    var now: [Int] = []
                    for migration in Schema.migrations where !applied.contains(migration.version) {
                        for statement in statements(of: migration.sql) {
                            try await connection.run(PostgresQuery(unsafeSQL: statement), logger)
                        }
                        try await connection.run(
                            "INSERT INTO schema_migrations (version, applied_at) VALUES (\(migration.version), \(unescaped: StoreClock.sql))",
                            logger)
                        now.append(migration.version)
                    }
                    try await connection.run("COMMIT", logger)
                    return now
                } catch {
                    _ = try? await connection.run("ROLLBACK", logger)
                    throw error
                }
            }
        } catch let error as StatusStoreError {
            throw error
        } catch {
            throw StatusStoreError(.migrationFailed, "cannot bring the status store \(describe(settings)) up to date: \(StoreFailure.mapped(error))")
        }
    }

    /// Throws unless the schema is exactly this build's: for processes told not to migrate.
    static func requireCurrent(_ client: PostgresClient, settings: PostgresSettings, logger: Logger) async throws {
        let applied: Set<Int>
        do {
            applied = try await client.withConnection { connection in
                guard try await connection.first("SELECT to_regclass('schema_migrations') IS NOT NULL", logger)?.decode(Bool.self) == true else {
                    return []
                }
                return try await appliedVersions(connection, logger)
            }
        } catch {
            throw StatusStoreError(.cannotOpen, "cannot read the schema version of the status store \(describe(settings)): \(StoreFailure.mapped(error))")
        }
        try refuseNewer(applied, settings)
        let pending = Schema.migrations.map(\.version).filter { !applied.contains($0) }
        guard pending.isEmpty else {
            throw StatusStoreError(
                .migrationFailed,
                "the status store \(describe(settings)) lacks migrations \(pending.map(String.init).joined(separator: ", ")); run `broadcaster migrate` with this configuration first")
        }
    }

    /// A migration's statements, one at a time: a prepared statement holds one command. The
    /// schema's SQL has no semicolon but those ending statements, and comments on lines of their own.
    static func statements(of sql: String) -> [String] {
        let code = sql.split(separator: "\n").filter { !$0.trimmingCharacters(in: .whitespaces).hasPrefix("--") }.joined(separator: "\n")
        return code.split(separator: ";").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.filter { !$0.isEmpty }
    }

    static func appliedVersions(_ connection: PostgresConnection, _ logger: Logger) async throws -> Set<Int> {
        var versions: Set<Int> = []
        for row in try await connection.all("SELECT version FROM schema_migrations", logger) {
            versions.insert(try row.decode(Int.self))
        }
        return versions
    }

    private static func refuseNewer(_ applied: Set<Int>, _ settings: PostgresSettings) throws {
        let known = Set(Schema.migrations.map(\.version))
        let unknown = applied.subtracting(known).sorted()
        guard unknown.isEmpty else {
            throw StatusStoreError(
                .schemaTooNew,
                "the status store \(describe(settings)) was migrated by a newer broadcaster (migrations \(unknown.map(String.init).joined(separator: ", ")) are unknown to this one); run that version, or point store.url at another database")
        }
    }

    /// The database as an operator names it, without any secret.
    static func describe(_ settings: PostgresSettings) -> String {
        "\(settings.database) on \(settings.host):\(settings.port)"
    }
}
