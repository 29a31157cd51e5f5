import GRDB
import StatusStore

/// The `last_error_class` column: the outcome of a request's latest attempt that no node took,
/// kept on the row so the admin list shows it without reading attempts.
enum LastErrorClass {
    /// Recomputes the column for `ids`, whose attempts just changed.
    static func refresh(_ ids: Set<String>, _ db: Database) throws {
        for id in ids {
            try db.execute(
                sql: """
                    UPDATE requests SET last_error_class = (
                        SELECT a.outcome FROM attempts a WHERE a.request_id = ? AND a.outcome <> 'accepted'
                        ORDER BY a.number DESC LIMIT 1)
                    WHERE id = ?
                    """,
                arguments: [id, id])
        }
    }
}
