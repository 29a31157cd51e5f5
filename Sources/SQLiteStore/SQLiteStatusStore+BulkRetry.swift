import BroadcastModel
import Foundation
import GRDB
import StatusStore

extension SQLiteStatusStore: BulkRetryStore {
    public func notRetried(_ ids: [RequestID]) async throws -> Set<RequestID> {
        try await writer.read { db in
            var found: Set<RequestID> = []
            // SQLite's default limit on bound parameters is far above a chunk.
            for chunk in ids.chunked(500) {
                let marks = Array(repeating: "?", count: chunk.count).joined(separator: ", ")
                let texts = try String.fetchAll(
                    db,
                    sql: "SELECT id FROM requests WHERE id IN (\(marks)) AND retried_as IS NULL AND status IN ('failed', 'reverted')",
                    arguments: StatementArguments(chunk.map(\.description)))
                for text in texts { if let id = RequestID(text) { found.insert(id) } }
            }
            return found
        }
    }

    public func summaries(of ids: [RequestID]) async throws -> [RequestSummary] {
        try await writer.read { db in
            try ids.compactMap { id in
                try Row.fetchOne(db, sql: "SELECT \(SummaryRow.columns) FROM requests r WHERE r.id = ?", arguments: [id.description])
                    .map { try SummaryRow($0).summary() }
            }
        }
    }

    public func createBulkRetry(
        filter: RequestQuery, cap: Int, reason: String, createdBy: String, items: [RequestID], audit: AuditEntry
    ) async throws -> BulkRetryRecord {
        try audit.check()
        let now = StoredTime.millis(self.now())
        let frozen = FrozenQuery(filter).json
        return try await write(.durable) { db in
            try db.execute(
                sql: """
                    INSERT INTO bulk_retries (filter, cap, reason, created_by, created_at, state, planned, updated_at)
                    VALUES (?, ?, ?, ?, ?, 'planned', 0, ?)
                    """,
                arguments: [frozen, cap, reason, createdBy, now, now])
            let id = db.lastInsertedRowID
            for request in items {
                try db.execute(
                    sql: """
                        INSERT OR IGNORE INTO bulk_retry_items (operation, request_id)
                        SELECT ?, id FROM requests WHERE id = ? AND retried_as IS NULL AND status IN ('failed', 'reverted')
                        """,
                    arguments: [id, request.description])
            }
            try db.execute(
                sql: "UPDATE bulk_retries SET planned = (SELECT COUNT(*) FROM bulk_retry_items WHERE operation = ?) WHERE id = ?",
                arguments: [id, id])
            var entry = audit
            entry.details["operation"] = String(id)
            _ = try AuditRows.append(entry, at: now, db)
            return try Self.bulkRecord(id, db)
        }
    }

    public func bulkRetry(_ id: Int64) async throws -> BulkRetryRecord? {
        try await writer.read { db in try Self.fetchBulkRecord(id, db) }
    }

    public func bulkRetries(limit: Int) async throws -> [BulkRetryRecord] {
        try await writer.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM bulk_retries ORDER BY id DESC LIMIT ?", arguments: [AdminReads.pageSize(limit)])
                .map(Self.record(from:))
        }
    }

    public func bulkRetries(in state: BulkRetryState) async throws -> [BulkRetryRecord] {
        try await writer.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM bulk_retries WHERE state = ? ORDER BY id", arguments: [state.rawValue])
                .map(Self.record(from:))
        }
    }

    public func bulkRetryItems(_ id: Int64, limit: Int, after: RequestID?) async throws -> [BulkRetryItemRecord] {
        try await writer.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT request_id, result, retry_id, message FROM bulk_retry_items
                    WHERE operation = ? AND request_id > ? ORDER BY request_id LIMIT ?
                    """,
                arguments: [id, after?.description ?? "", AdminReads.pageSize(limit)]
            ).map(Self.itemRecord)
        }
    }

    public func pendingBulkRetryItems(_ id: Int64, limit: Int) async throws -> [RequestID] {
        try await writer.read { db in
            try String.fetchAll(
                db, sql: "SELECT request_id FROM bulk_retry_items WHERE operation = ? AND result = 'pending' ORDER BY request_id LIMIT ?",
                arguments: [id, AdminReads.pageSize(limit)]
            ).map { try BulkRetryItemRecord.pending(id, $0) }
        }
    }

    public func moveBulkRetry(
        _ id: Int64, from: Set<BulkRetryState>, to state: BulkRetryState, startedBy: String?, audit: AuditEntry?
    ) async throws -> (record: BulkRetryRecord, moved: Bool)? {
        if let audit { try audit.check() }
        let now = StoredTime.millis(self.now())
        let sources = from.map(\.rawValue).sorted()
        return try await write(.durable) { db in
            let marks = Array(repeating: "?", count: max(sources.count, 1)).joined(separator: ", ")
            var arguments: StatementArguments = [state.rawValue, startedBy, now, id]
            arguments += StatementArguments(sources.isEmpty ? [""] : sources)
            try db.execute(
                sql: "UPDATE bulk_retries SET state = ?, started_by = COALESCE(?, started_by), updated_at = ? WHERE id = ? AND state IN (\(marks))",
                arguments: arguments)
            let moved = db.changesCount == 1
            guard let record = try Self.fetchBulkRecord(id, db) else { return nil }
            if moved, let audit { _ = try AuditRows.append(audit, at: now, db) }
            return (record, moved)
        }
    }

    public func recordBulkRetryItem(_ id: Int64, request: RequestID, result: BulkRetryItemResult, audit: AuditEntry?) async throws -> Bool {
        if let audit { try audit.check() }
        let now = StoredTime.millis(self.now())
        let (name, retry, message) = result.stored
        let counter = result.counterColumn
        return try await write(.durable) { db in
            try db.execute(
                sql: "UPDATE bulk_retry_items SET result = ?, retry_id = ?, message = ? WHERE operation = ? AND request_id = ? AND result = 'pending'",
                arguments: [name, retry, message, id, request.description])
            guard db.changesCount == 1 else { return false }
            if let counter {
                try db.execute(sql: "UPDATE bulk_retries SET \(counter) = \(counter) + 1, updated_at = ? WHERE id = ?", arguments: [now, id])
            }
            if let audit { _ = try AuditRows.append(audit, at: now, db) }
            return true
        }
    }

    private static func fetchBulkRecord(_ id: Int64, _ db: Database) throws -> BulkRetryRecord? {
        try Row.fetchOne(db, sql: "SELECT * FROM bulk_retries WHERE id = ?", arguments: [id]).map(record(from:))
    }

    private static func bulkRecord(_ id: Int64, _ db: Database) throws -> BulkRetryRecord {
        guard let record = try fetchBulkRecord(id, db) else {
            throw StatusStoreError(.corruptRow, "bulk retry \(id) vanished while it was written")
        }
        return record
    }

    private static func record(from row: Row) throws -> BulkRetryRecord {
        try BulkRetryRecord.stored(
            id: row["id"], filter: row["filter"], cap: row["cap"], reason: row["reason"], createdBy: row["created_by"],
            createdAt: row["created_at"], startedBy: row["started_by"], state: row["state"], planned: row["planned"],
            retried: row["retried"], refused: row["refused"])
    }

    private static func itemRecord(_ row: Row) throws -> BulkRetryItemRecord {
        try BulkRetryItemRecord.stored(request: row["request_id"], result: row["result"], retryID: row["retry_id"], message: row["message"])
    }
}

extension Array {
    func chunked(_ size: Int) -> [ArraySlice<Element>] {
        stride(from: 0, to: count, by: size).map { self[$0..<Swift.min($0 + size, count)] }
    }
}
