import BroadcastModel
import Foundation
import Logging
import PostgresNIO
import StatusStore

extension PostgresStatusStore {
    public func notRetried(_ ids: [RequestID]) async throws -> Set<RequestID> {
        let texts = ids.map(\.description)
        return try await read { connection in
            var found: Set<RequestID> = []
            for row in try await connection.all(
                """
                SELECT id FROM requests WHERE id = ANY(\(texts)) AND retried_as IS NULL AND status IN ('failed', 'reverted')
                """, logger)
            {
                if let id = RequestID(try row.decode(String.self)) { found.insert(id) }
            }
            return found
        }
    }

    public func summaries(of ids: [RequestID]) async throws -> [RequestSummary] {
        let texts = ids.map(\.description)
        return try await read { connection in
            var byID: [String: SummaryRow] = [:]
            for row in try await connection.all(
                "SELECT \(unescaped: SummaryRow.columns) FROM requests r WHERE r.id = ANY(\(texts))", logger)
            {
                let summary = try SummaryRow(postgres: row)
                byID[summary.id] = summary
            }
            return try texts.compactMap { try byID[$0]?.summary() }
        }
    }

    public func createBulkRetry(
        filter: RequestQuery, cap: Int, reason: String, createdBy: String, items: [RequestID], audit: AuditEntry
    ) async throws -> BulkRetryRecord {
        try audit.check()
        let now = StoredTime.millis(self.now())
        let frozen = FrozenQuery(filter).json
        let texts = items.map(\.description)
        return try await transaction { connection in
            let created = try await connection.first(
                """
                INSERT INTO bulk_retries (filter, cap, reason, created_by, created_at, state, planned, updated_at)
                VALUES (\(frozen), \(cap), \(reason), \(createdBy), \(now), 'planned', 0, \(now))
                RETURNING id
                """, logger)
            guard let id = try created?.decode(Int64.self) else {
                throw StatusStoreError(.storageFailure, "the bulk retry of \(createdBy) was not numbered by the server; nothing was stored, try again")
            }
            // The items are checked here, in the transaction that stores them: a request retried
            // since the plan was shown is left out.
            try await connection.run(
                """
                INSERT INTO bulk_retry_items (operation, request_id)
                SELECT \(id), id FROM requests WHERE id = ANY(\(texts)) AND retried_as IS NULL AND status IN ('failed', 'reverted')
                ON CONFLICT DO NOTHING
                """, logger)
            try await connection.run(
                "UPDATE bulk_retries SET planned = (SELECT count(*) FROM bulk_retry_items WHERE operation = \(id)) WHERE id = \(id)", logger)
            var entry = audit
            entry.details["operation"] = String(id)
            _ = try await AuditRows.append(entry, at: now, connection, logger)
            guard let record = try await Self.bulkRecord(id, connection, logger) else {
                throw StatusStoreError(.corruptRow, "bulk retry \(id) vanished while it was written")
            }
            return record
        }
    }

    public func bulkRetry(_ id: Int64) async throws -> BulkRetryRecord? {
        try await read { connection in try await Self.bulkRecord(id, connection, logger) }
    }

    public func bulkRetries(limit: Int) async throws -> [BulkRetryRecord] {
        let limit = AdminReads.pageSize(limit)
        return try await read { connection in
            try await connection.all("SELECT \(unescaped: Self.bulkColumns) FROM bulk_retries ORDER BY id DESC LIMIT \(limit)", logger)
                .map(Self.bulkRecord(from:))
        }
    }

    public func bulkRetries(in state: BulkRetryState) async throws -> [BulkRetryRecord] {
        try await read { connection in
            try await connection.all(
                "SELECT \(unescaped: Self.bulkColumns) FROM bulk_retries WHERE state = \(state.rawValue) ORDER BY id", logger
            ).map(Self.bulkRecord(from:))
        }
    }

    public func bulkRetryItems(_ id: Int64, limit: Int, after: RequestID?) async throws -> [BulkRetryItemRecord] {
        let limit = AdminReads.pageSize(limit)
        return try await read { connection in
            try await connection.all(
                """
                SELECT request_id, result, retry_id, message FROM bulk_retry_items
                WHERE operation = \(id) AND request_id > \(after?.description ?? "") ORDER BY request_id LIMIT \(limit)
                """, logger
            ).map { row in
                let (request, result, retry, message) = try row.decode((String, String, String?, String?).self)
                return try BulkRetryItemRecord.stored(request: request, result: result, retryID: retry, message: message)
            }
        }
    }

    public func pendingBulkRetryItems(_ id: Int64, limit: Int) async throws -> [RequestID] {
        let limit = AdminReads.pageSize(limit)
        return try await read { connection in
            try await connection.all(
                """
                SELECT request_id FROM bulk_retry_items WHERE operation = \(id) AND result = 'pending' ORDER BY request_id LIMIT \(limit)
                """, logger
            ).map { try BulkRetryItemRecord.pending(id, $0.decode(String.self)) }
        }
    }

    public func moveBulkRetry(
        _ id: Int64, from: Set<BulkRetryState>, to state: BulkRetryState, startedBy: String?, audit: AuditEntry?
    ) async throws -> (record: BulkRetryRecord, moved: Bool)? {
        if let audit { try audit.check() }
        let now = StoredTime.millis(self.now())
        let sources = from.map(\.rawValue).sorted()
        return try await transaction { connection in
            // A compare-and-set: a second mover waits for the first's row lock, then finds
            // the state changed.
            let moved = try await connection.first(
                """
                UPDATE bulk_retries SET state = \(state.rawValue), started_by = COALESCE(\(startedBy), started_by), updated_at = \(now)
                WHERE id = \(id) AND state = ANY(\(sources)) RETURNING id
                """, logger) != nil
            guard let record = try await Self.bulkRecord(id, connection, logger) else { return nil }
            if moved, let audit { _ = try await AuditRows.append(audit, at: now, connection, logger) }
            return (record, moved)
        }
    }

    public func recordBulkRetryItem(_ id: Int64, request: RequestID, result: BulkRetryItemResult, audit: AuditEntry?) async throws -> Bool {
        if let audit { try audit.check() }
        let now = StoredTime.millis(self.now())
        let (name, retry, message) = result.stored
        let counter = result.counterColumn
        return try await transaction { connection in
            let recorded = try await connection.first(
                """
                UPDATE bulk_retry_items SET result = \(name), retry_id = \(retry), message = \(message)
                WHERE operation = \(id) AND request_id = \(request.description) AND result = 'pending' RETURNING 1
                """, logger)
            guard recorded != nil else { return false }
            if let counter {
                // `counter` is one of two column names, never input.
                try await connection.run(
                    "UPDATE bulk_retries SET \(unescaped: counter) = \(unescaped: counter) + 1, updated_at = \(now) WHERE id = \(id)", logger)
            }
            if let audit { _ = try await AuditRows.append(audit, at: now, connection, logger) }
            return true
        }
    }

    static let bulkColumns = "id, filter, cap, reason, created_by, created_at, started_by, state, planned, retried, refused"

    private static func bulkRecord(_ id: Int64, _ connection: PostgresConnection, _ logger: Logger) async throws -> BulkRetryRecord? {
        try await connection.first("SELECT \(unescaped: bulkColumns) FROM bulk_retries WHERE id = \(id)", logger).map(bulkRecord(from:))
    }

    private static func bulkRecord(from row: PostgresRow) throws -> BulkRetryRecord {
        let (id, filter, cap, reason, createdBy, createdAt, startedBy, state, planned, retried, refused) =
            try row.decode((Int64, String, Int, String, String, Int64, String?, String, Int, Int, Int).self)
        return try BulkRetryRecord.stored(
            id: id, filter: filter, cap: cap, reason: reason, createdBy: createdBy, createdAt: createdAt, startedBy: startedBy,
            state: state, planned: planned, retried: retried, refused: refused)
    }
}
