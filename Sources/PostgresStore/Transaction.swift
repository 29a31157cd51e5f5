import Logging
import PostgresNIO
import StatusStore

extension PostgresStatusStore {
    /// Runs `body` in one transaction on a pooled connection, with `lock_timeout` set to the
    /// busy timeout: committed when it returns, rolled back when it throws.
    ///
    /// The server also ends the transaction (and the session) once it sits idle longer than
    /// `idleTransactionTimeout`: a process frozen in the middle of one (SIGSTOP, a paused VM)
    /// would otherwise hold its senders' row locks until it is thawed, and every other host
    /// would wait on them. Its writes are rolled back; the lease it held expires as usual.
    ///
    /// Failures of the server or the connection are thrown as ``StatusStoreError`` (transient
    /// ones as `busy` or `storageFailure`, see `StoreFailure`), so callers can tell "try again"
    /// from "this will never work"; so is a call that got no connection within
    /// `connectionWait` (a server that went away). The body must not keep the connection.
    func transaction<T: Sendable>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        do {
            return try await bounded { leased in try await client.withConnection { connection in
                leased()
                try await connection.query("BEGIN", logger: logger)
                do {
                    try await connection.query(
                        """
                        SELECT set_config('lock_timeout', \(Self.milliseconds(lockTimeout)), true),
                               set_config('idle_in_transaction_session_timeout', \(Self.milliseconds(Self.idleTransactionTimeout)), true)
                        """, logger: logger)
                    let result = try await body(connection)
                    try await connection.query("COMMIT", logger: logger)
                    return result
                } catch {
                    // A connection that failed is closed by the pool; a rollback on it fails too.
                    _ = try? await connection.query("ROLLBACK", logger: logger)
                    throw error
                }
            } }
        } catch {
            throw StoreFailure.mapped(error)
        }
    }

    /// Runs `body` on a pooled connection outside any explicit transaction (each statement is
    /// its own): for reads.
    func read<T: Sendable>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        do {
            return try await bounded { leased in
                try await client.withConnection { connection in
                    leased()
                    return try await body(connection)
                }
            }
        } catch {
            throw StoreFailure.mapped(error)
        }
    }

    /// Runs `statement` and returns its rows.
    func rows(_ statement: PostgresQuery, on connection: PostgresConnection) async throws -> [PostgresRow] {
        try await connection.query(statement, logger: logger).collect()
    }

    /// The longest a transaction may sit idle between statements; every transaction here runs
    /// its statements back to back (nothing awaited in between takes more than a signature).
    static let idleTransactionTimeout: Duration = .seconds(10)

    /// `busyTimeout` as a lock timeout: PostgreSQL's 0 would wait for ever, where SQLite's 0
    /// fails at once.
    var lockTimeout: Duration { max(busyTimeout, .milliseconds(1)) }

    static func milliseconds(_ duration: Duration) -> String {
        "\(max(0, duration.wholeMilliseconds))ms"
    }
}

extension PostgresConnection {
    /// Runs `statement` and returns its rows.
    func all(_ statement: PostgresQuery, _ logger: Logger) async throws -> [PostgresRow] {
        try await query(statement, logger: logger).collect()
    }

    /// Runs `statement` and returns its first row, nil when it has none.
    func first(_ statement: PostgresQuery, _ logger: Logger) async throws -> PostgresRow? {
        try await query(statement, logger: logger).collect().first
    }

    /// Runs `statement`, ignoring any rows.
    func run(_ statement: PostgresQuery, _ logger: Logger) async throws {
        try await query(statement, logger: logger)
    }
}

/// The database's clock in milliseconds since 1970, for leases and claims: every host reads
/// the same one, whatever its own clock says.
enum StoreClock {
    static let sql = "(extract(epoch from clock_timestamp()) * 1000)::bigint"

    static func now(_ connection: PostgresConnection, _ logger: Logger) async throws -> Int64 {
        guard let row = try await connection.first("SELECT (extract(epoch from clock_timestamp()) * 1000)::bigint", logger) else {
            throw StatusStoreError(.storageFailure, "the status store's server did not tell its time; try again")
        }
        return try row.decode(Int64.self)
    }
}
