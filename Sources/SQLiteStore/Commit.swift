import GRDB
import StatusStore

/// How far a write transaction's commit must reach before the write returns.
enum Commit {
    /// On disk (`synchronous = FULL`): kept through power loss and OS crashes.
    case durable
    /// In the WAL (`synchronous = NORMAL`): kept through a killed process; the last commits may
    /// be lost with power, and the next durable commit makes them durable too.
    case relaxed

    fileprivate var pragma: String {
        switch self {
        case .durable: "PRAGMA synchronous = FULL"
        case .relaxed: "PRAGMA synchronous = NORMAL"
        }
    }
}

extension SQLiteStatusStore {
    /// Runs `updates` in one `BEGIN IMMEDIATE` transaction whose commit reaches `commit`.
    ///
    /// The level is set before every transaction: it belongs to the writer connection, which
    /// all writes of this store share, and cannot change inside a transaction.
    ///
    /// A lock held too long or a failing disk is thrown as a transient ``StatusStoreError``
    /// (`busy`, `storageFailure`), so callers can tell "try again" from "this will never work".
    func write<T: Sendable>(_ commit: Commit, _ updates: @Sendable (Database) throws -> T) async throws -> T {
        do {
            return try await writer.writeWithoutTransaction { db in
                try db.execute(sql: commit.pragma)
                var result: T?
                try db.inTransaction(.immediate) {
                    result = try updates(db)
                    return .commit
                }
                return result!
            }
        } catch {
            throw StatusStoreError.transient(error) ?? error
        }
    }
}
