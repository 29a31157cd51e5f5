import BroadcastModel
import EVMPrimitives
import Foundation
import GRDB
import StatusStore

extension SQLiteStatusStore {
    public func statusCounts() async throws -> StatusCounts {
        try await writer.read { db in
            var counts = Dictionary(uniqueKeysWithValues: Self.storedStatuses.map { ($0, 0) })
            for (name, count) in try StatusCounter.all(db) {
                guard let status = TransactionStatus(rawValue: name) else {
                    throw StatusStoreError(.corruptRow, "status_counts holds the unknown status \"\(name)\"; the status store was edited by hand")
                }
                counts[status] = count
            }
            return StatusCounts(byStatus: counts)
        }
    }

    public func summaries(_ query: RequestQuery, limit: Int, after cursor: ListCursor?) async throws -> SummaryPage {
        let limit = max(0, min(limit, Self.largestPage))
        return try await writer.read { db in
            var rows: [SummaryRow] = []
            let parts = Self.statusParts(of: query)
            for statuses in parts {
                let (sql, arguments) = SummarySQL.select(query, statuses: statuses, after: cursor, limit: limit + 1)
                rows += try Row.fetchAll(db, sql: sql, arguments: arguments).map(SummaryRow.init)
            }
            if parts.count > 1 { rows.sort(by: SummaryRow.newerFirst) }
            // One more than asked, to learn whether another page follows.
            let page = try rows.prefix(limit).map { try $0.summary() }
            let next = rows.count > limit ? page.last.map(ListCursor.init(after:)) : nil
            return SummaryPage(rows: page, next: next)
        }
    }

    /// The statuses of each indexed read a query takes, their pages merged: SQLite cannot read
    /// several ranges of (status, created_at, id), or of (sender, status, created_at, id), in
    /// created_at order, and would sort every match. A sender, contract, selector or message
    /// type without statuses is read status by status for the same reason. A search finds
    /// its few matches first and needs one read.
    static func statusParts(of query: RequestQuery) -> [[TransactionStatus]] {
        let statuses = query.statuses.sorted { $0.rawValue < $1.rawValue }
        if query.search != nil { return [statuses] }
        if !statuses.isEmpty { return statuses.map { [$0] } }
        let filtered = query.sender != nil || query.contract != nil || query.selector != nil || query.messageType != nil
        return filtered ? storedStatuses.map { [$0] } : [[]]
    }

    /// Every status a stored request can have.
    static let storedStatuses = TransactionStatus.allCases.filter { $0 != .accepted }

    /// The most rows one page of the admin list holds.
    static var largestPage: Int { 1000 }
}

/// The SQL of one indexed read of the admin list.
enum SummarySQL {
    static let columns = "r.id, r.message_type, r.from_address, r.nonce, r.status, r.sends, r.last_error_class, r.created_at, r.updated_at"

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
            return ("SELECT \(columns) FROM requests r \(filter) ORDER BY r.created_at DESC, r.id DESC LIMIT ?", arguments)
        }
        // A search finds its few matches by its own key first, then each request by its id,
        // and sorts only those. CROSS JOIN keeps that order in SQLite: left alone, its planner
        // prefers a filter's index (every request of a message type, say) because that one
        // is already in list order, and tests each row against the search.
        let (matches, matchArguments) = search.matchesSQL
        arguments = matchArguments + arguments
        arguments += [limit]
        return (
            "WITH matches (id) AS (\(matches)) SELECT \(columns) FROM matches m CROSS JOIN requests r WHERE r.id = m.id\(conditions.isEmpty ? "" : " AND " + conditionsSQL) "
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

/// Prefix matches as ranges of the index (`text >= prefix AND text < upper`), which every
/// database reads from a B-tree, unlike LIKE, whose index use depends on collations.
enum PrefixRange {
    /// The smallest text greater than every text starting with `prefix`, for the ASCII
    /// prefixes of ids and hashes: the last character moved one up.
    static func upperBound(of prefix: String) -> String {
        var bytes = Array(prefix.utf8)
        // Past ASCII (never, for ids and hashes) the range is only bounded by DEL.
        guard let last = bytes.popLast(), last < 0x7E else { return prefix + "\u{7F}" }
        bytes.append(last + 1)
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// One row of the admin list as read, before it is checked.
struct SummaryRow {
    let id: String
    let messageType: String
    let sender: String
    let nonce: Int64
    let status: String
    let sends: Int
    let lastErrorClass: String?
    let createdAt: Int64
    let updatedAt: Int64

    init(_ row: Row) {
        id = row["id"]
        messageType = row["message_type"]
        sender = row["from_address"]
        nonce = row["nonce"]
        status = row["status"]
        sends = row["sends"]
        lastErrorClass = row["last_error_class"]
        createdAt = row["created_at"]
        updatedAt = row["updated_at"]
    }

    static func newerFirst(_ a: SummaryRow, _ b: SummaryRow) -> Bool {
        a.createdAt != b.createdAt ? a.createdAt > b.createdAt : a.id > b.id
    }

    func summary() throws -> RequestSummary {
        guard let requestID = RequestID(id), let nonce = UInt64(exactly: nonce), let status = TransactionStatus(rawValue: status),
            let sender = try? Address(sender)
        else {
            throw StatusStoreError(.corruptRow, "stored request \(id) does not decode (id, nonce, status or sender); the status store was edited or written by a broken build")
        }
        var errorClass: SendClass?
        if let lastErrorClass {
            guard let parsed = SendClass(rawValue: lastErrorClass) else {
                throw StatusStoreError(.corruptRow, "stored request \(id) has the unknown error class \"\(lastErrorClass)\"")
            }
            errorClass = parsed
        }
        return RequestSummary(
            id: requestID, messageType: messageType, sender: sender, nonce: Nonce(nonce), status: status, attempts: sends,
            lastErrorClass: errorClass, createdAt: StoredTime.date(createdAt), updatedAt: StoredTime.date(updatedAt))
    }
}
