import BroadcastModel
import Foundation
import Logging
import PostgresNIO
import StatusStore

extension PostgresStatusStore {
    public func appendAudit(_ entry: AuditEntry) async throws -> AuditRecord {
        try entry.check()
        let now = StoredTime.millis(self.now())
        return try await transaction { connection in try await AuditRows.append(entry, at: now, connection, logger) }
    }

    public func audit(of request: RequestID, limit: Int) async throws -> [AuditRecord] {
        let limit = AdminReads.pageSize(limit)
        return try await read { connection in
            // The partial index on (request_id, id), read backwards.
            try await AuditRows.records(
                connection.all(
                    """
                    SELECT \(unescaped: AuditRows.columns) FROM audit WHERE request_id = \(request.description)
                    ORDER BY id DESC LIMIT \(limit)
                    """, logger))
        }
    }

    public func recentAudit(limit: Int, before: Int64?) async throws -> [AuditRecord] {
        let limit = AdminReads.pageSize(limit)
        return try await read { connection in
            let rows =
                if let before {
                    try await connection.all(
                        "SELECT \(unescaped: AuditRows.columns) FROM audit WHERE id < \(before) ORDER BY id DESC LIMIT \(limit)", logger)
                } else {
                    try await connection.all("SELECT \(unescaped: AuditRows.columns) FROM audit ORDER BY id DESC LIMIT \(limit)", logger)
                }
            return try AuditRows.records(rows)
        }
    }
}

/// The `audit` table.
enum AuditRows {
    static let columns = "id, at, user_name, action, request_id, reason, details"

    /// Appends `entry` within the caller's transaction, numbered by the table's identity.
    static func append(_ entry: AuditEntry, at millis: Int64, _ connection: PostgresConnection, _ logger: Logger) async throws -> AuditRecord {
        let row = try await connection.first(
            """
            INSERT INTO audit (at, user_name, action, request_id, reason, details)
            VALUES (\(millis), \(entry.user), \(entry.action.rawValue), \(entry.requestID?.description), \(entry.reason), \(entry.storedDetails))
            RETURNING id
            """, logger)
        guard let id = try row?.decode(Int64.self) else {
            throw StatusStoreError(.storageFailure, "the audit entry of \(entry.user) was not numbered by the server; nothing was recorded, try again")
        }
        return AuditRecord(id: id, at: StoredTime.date(millis), entry: entry)
    }

    static func records(_ rows: [PostgresRow]) throws -> [AuditRecord] {
        try rows.map { row in
            let (id, at, user, action, request, reason, details) = try row.decode((Int64, Int64, String, String, String?, String?, String).self)
            return try AuditRecord.stored(id: id, at: at, user: user, action: action, requestID: request, reason: reason, details: details)
        }
    }
}
