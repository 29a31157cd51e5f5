import GRDB
import StatusStore

/// The `status_counts` table: how many requests are in each status, changed by the same
/// transaction as the rows, so the overview reads a dozen rows instead of counting a million.
///
/// Every write that inserts a request or changes a stored status goes through here; nothing
/// else writes the table after the v5 migration filled it.
enum StatusCounter {
    /// A request stored in `status`.
    static func added(_ status: String, _ db: Database) throws {
        try db.execute(
            sql: """
                INSERT INTO status_counts (status, count) VALUES (?, 1)
                ON CONFLICT (status) DO UPDATE SET count = status_counts.count + 1
                """,
            arguments: [status])
    }

    /// A stored request moved from `old` to `new`.
    static func moved(from old: String, to new: String, _ db: Database) throws {
        guard old != new else { return }
        try db.execute(sql: "UPDATE status_counts SET count = count - 1 WHERE status = ?", arguments: [old])
        guard db.changesCount == 1 else {
            throw StatusStoreError(
                .corruptRow,
                "no request is counted as \(old), yet one is stored so; status_counts was edited by hand. Rebuild it from the requests (see Schema v5)")
        }
        try added(new, db)
    }

    /// The stored counts, by status name.
    static func all(_ db: Database) throws -> [String: Int] {
        var counts: [String: Int] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT status, count FROM status_counts") {
            counts[row["status"]] = row["count"]
        }
        return counts
    }
}
