import BroadcastModel
import EVMPrimitives
import Foundation
import Logging
import PostgresNIO
import StatusStore

extension PostgresStatusStore {
    public func statusCounts() async throws -> StatusCounts {
        try await read { connection in
            var stored: [String: Int] = [:]
            for row in try await connection.all("SELECT status, count FROM status_counts", logger) {
                let (status, count) = try row.decode((String, Int).self)
                stored[status] = count
            }
            return try AdminReads.statusCounts(stored)
        }
    }

    public func summaries(_ query: RequestQuery, limit: Int, after cursor: ListCursor?) async throws -> SummaryPage {
        let limit = AdminReads.pageSize(limit)
        let statement = try SummarySQL.select(query, parts: AdminReads.statusParts(of: query), after: cursor, limit: limit + 1)
        return try await read { connection in
            let rows = try await connection.all(statement, logger).map(SummaryRow.init(postgres:))
            return try SummaryRow.page(rows, limit: limit)
        }
    }
}

/// The SQL of the admin list: one indexed read per part of the query, merged in one statement
/// (one snapshot) by a `UNION ALL` the planner runs as a merge of the parts' ordered reads.
enum SummarySQL {
    static let newestFirst = "ORDER BY created_at DESC, id DESC"

    static func select(_ query: RequestQuery, parts: [[TransactionStatus]], after cursor: ListCursor?, limit: Int) throws -> PostgresQuery {
        var sql = BoundSQL()
        var filters: [String] = []
        if let sender = query.sender { filters.append("r.from_address = \(try sql.bind(sender.checksummed))") }
        if let contract = query.contract { filters.append("r.to_address = \(try sql.bind(contract.checksummed))") }
        if let selector = query.selector { filters.append("r.selector = \(try sql.bind(selector.description))") }
        if let messageType = query.messageType { filters.append("r.message_type = \(try sql.bind(messageType))") }
        if let from = query.createdFrom { filters.append("r.created_at >= \(try sql.bind(StoredTime.millis(from)))") }
        // One upper bound, the tighter of the range's end and the cursor, as a row comparison
        // the (…, created_at, id) indexes read as a range. (created_at, id) < (before, '') is
        // created_at < before: every id sorts after '' (ids are COLLATE "C").
        let end = query.createdBefore.map { (StoredTime.millis($0), "") }
        let position = cursor.map { (StoredTime.millis($0.createdAt), $0.id.description) }
        if let upper = [end, position].compactMap({ $0 }).min(by: { $0 < $1 }) {
            filters.append("(r.created_at, r.id) < (\(try sql.bind(upper.0)), \(try sql.bind(upper.1)))")
        }
        let limitMark = try sql.bind(limit)

        guard let search = query.search else {
            let reads = try parts.map { statuses -> String in
                var conditions = filters
                if let status = try statusCondition(statuses, &sql) { conditions.insert(status, at: 0) }
                let filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
                return "SELECT \(SummaryRow.columns) FROM requests r \(filter) ORDER BY r.created_at DESC, r.id DESC LIMIT \(limitMark)"
            }
            guard reads.count > 1 else { return sql.query(reads.first ?? "SELECT \(SummaryRow.columns) FROM requests r WHERE false") }
            let union = reads.map { "(\($0))" }.joined(separator: " UNION ALL ")
            return sql.query("SELECT * FROM (\(union)) parts \(newestFirst) LIMIT \(limitMark)")
        }
        // A search finds its few matches by its own key first (MATERIALIZED keeps the planner
        // from starting at a filter's index instead), then each request by its id.
        var conditions = filters
        for statuses in parts { if let status = try statusCondition(statuses, &sql) { conditions.insert(status, at: 0) } }
        let matches = try search.matchesSQL(&sql)
        let filter = conditions.isEmpty ? "" : " AND " + conditions.joined(separator: " AND ")
        return sql.query(
            "WITH matches (id) AS MATERIALIZED (\(matches)) SELECT \(SummaryRow.columns) FROM matches m JOIN requests r ON r.id = m.id\(filter) "
                + "ORDER BY r.created_at DESC, r.id DESC LIMIT \(limitMark)")
    }

    private static func statusCondition(_ statuses: [TransactionStatus], _ sql: inout BoundSQL) throws -> String? {
        guard let only = statuses.first else { return nil }
        return statuses.count == 1
            ? "r.status = \(try sql.bind(only.rawValue))" : "r.status = ANY(\(try sql.bind(statuses.map(\.rawValue))))"
    }
}

extension RequestSearch {
    /// The ids of the requests this search matches, each once.
    func matchesSQL(_ sql: inout BoundSQL) throws -> String {
        switch kind {
        case .idPrefix(let prefix):
            "SELECT id FROM requests WHERE id >= \(try sql.bind(prefix)) AND id < \(try sql.bind(PrefixRange.upperBound(of: prefix)))"
        case .hashPrefix(let prefix):
            // A request's versions may share a prefix.
            "SELECT DISTINCT request_id FROM versions WHERE hash >= \(try sql.bind(prefix)) AND hash < \(try sql.bind(PrefixRange.upperBound(of: prefix)))"
        case .idempotencyKey(let hash):
            "SELECT request_id FROM idempotency_keys WHERE key_hash = \(try sql.bind(Data(hash)))"
        }
    }
}

/// A statement whose conditions depend on the query: its SQL names each bound value `$n`,
/// never the value itself.
struct BoundSQL {
    private var bindings = PostgresBindings()

    /// Binds `value` and returns its placeholder.
    mutating func bind<Value: PostgresThrowingDynamicTypeEncodable>(_ value: Value) throws -> String {
        try bindings.append(value)
        return "$\(bindings.count)"
    }

    func query(_ sql: String) -> PostgresQuery { PostgresQuery(unsafeSQL: sql, binds: bindings) }
}

extension SummaryRow {
    /// A row of `SummaryRow.columns`.
    init(postgres row: PostgresRow) throws {
        let (id, messageType, sender, nonce, status, sends, lastErrorClass, createdAt, updatedAt) =
            try row.decode((String, String, String, Int64, String, Int, String?, Int64, Int64).self)
        self.init(
            id: id, messageType: messageType, sender: sender, nonce: nonce, status: status, sends: sends, lastErrorClass: lastErrorClass,
            createdAt: createdAt, updatedAt: updatedAt)
    }
}
