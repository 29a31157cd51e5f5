import BroadcastModel
import EVMPrimitives
import Foundation
import GRDB
import StatusStore

extension SQLiteStatusStore {
    public func statusCounts() async throws -> StatusCounts {
        try await writer.read { db in try AdminReads.statusCounts(StatusCounter.all(db)) }
    }

    public func summaries(_ query: RequestQuery, limit: Int, after cursor: ListCursor?) async throws -> SummaryPage {
        let limit = AdminReads.pageSize(limit)
        return try await writer.read { db in
            var rows: [SummaryRow] = []
            // SQLite reads each part as its own statement, within one read transaction.
            let parts = AdminReads.statusParts(of: query)
            for statuses in parts {
                let (sql, arguments) = SummarySQL.select(query, statuses: statuses, after: cursor, limit: limit + 1)
                rows += try Row.fetchAll(db, sql: sql, arguments: arguments).map(SummaryRow.init)
            }
            if parts.count > 1 { rows.sort(by: SummaryRow.newerFirst) }
            return try SummaryRow.page(rows, limit: limit)
        }
    }
}

/// The SQL of one indexed read of the admin list.
enum SummarySQL {
    static func select(_ query: RequestQuery, statuses: [TransactionStatus], after cursor: ListCursor?, limit: Int) -> (String, StatementArguments) {
        var conditions: [String] = []
        var arguments = StatementArguments()
        func add(_ condition: String, _ values: [(any DatabaseValueConvertible)?]) {
            conditions.append(condition)
            arguments += StatementArguments(values)
        }
        if statuses.count == 1 {
            add("r.status = ?", statuses.map(\.rawValue))
        } else if !statuses.isEmpty {
            add("r.status IN (\(Array(repeating: "?", count: statuses.count).joined(separator: ", ")))", statuses.map(\.rawValue))
        }
        if let sender = query.sender { add("r.from_address = ?", [sender.checksummed]) }
        if let contract = query.contract { add("r.to_address = ?", [contract.checksummed]) }
        if let selector = query.selector { add("r.selector = ?", [selector.description]) }
        if let messageType = query.messageType { add("r.message_type = ?", [messageType]) }
        if let from = query.createdFrom { add("r.created_at >= ?", [StoredTime.millis(from)]) }
        // One upper bound, the tighter of the range's end and the cursor: given both, SQLite's
        // planner reads a status's rows in the time range instead of the filter's of that status.
        // (created_at, id) < (before, '') is created_at < before: every id sorts after ''.
        let end = query.createdBefore.map { (StoredTime.millis($0), "") }
        let position = cursor.map { (StoredTime.millis($0.createdAt), $0.id.description) }
        if let upper = [end, position].compactMap({ $0 }).min(by: { $0 < $1 }) {
            add("(r.created_at, r.id) < (?, ?)", [upper.0, upper.1])
        }
        let conditionsSQL = conditions.joined(separator: " AND ")
        guard let search = query.search else {
            arguments += [limit]
            let filter = conditions.isEmpty ? "" : "WHERE " + conditionsSQL
            return ("SELECT \(SummaryRow.columns) FROM requests r \(filter) ORDER BY r.created_at DESC, r.id DESC LIMIT ?", arguments)
        }
        // A search finds its few matches by its own key first, then each request by its id,
        // and sorts only those. CROSS JOIN keeps that order in SQLite: left alone, its planner
        // prefers a filter's index (every request of a message type, say) because that one
        // is already in list order, and tests each row against the search.
        let (matches, matchArguments) = search.matchesSQL
        arguments = matchArguments + arguments
        arguments += [limit]
        return (
            "WITH matches (id) AS (\(matches)) SELECT \(SummaryRow.columns) FROM matches m CROSS JOIN requests r WHERE r.id = m.id\(conditions.isEmpty ? "" : " AND " + conditionsSQL) "
                + "ORDER BY r.created_at DESC, r.id DESC LIMIT ?",
            arguments
        )
    }
}

extension RequestSearch {
    /// The ids of the requests this search matches, each once.
    var matchesSQL: (String, StatementArguments) {
        switch kind {
        case .idPrefix(let prefix):
            ("SELECT id FROM requests WHERE id >= ? AND id < ?", [prefix, PrefixRange.upperBound(of: prefix)])
        case .hashPrefix(let prefix):
            // A request's versions may share a prefix.
            ("SELECT DISTINCT request_id FROM versions WHERE hash >= ? AND hash < ?", [prefix, PrefixRange.upperBound(of: prefix)])
        case .idempotencyKey(let hash):
            ("SELECT request_id FROM idempotency_keys WHERE key_hash = ?", [Data(hash)])
        }
    }
}

extension SummaryRow {
    init(_ row: Row) {
        self.init(
            id: row["id"], messageType: row["message_type"], sender: row["from_address"], nonce: row["nonce"], status: row["status"],
            sends: row["sends"], lastErrorClass: row["last_error_class"], createdAt: row["created_at"], updatedAt: row["updated_at"])
    }
}
