import BroadcastModel
import Foundation
import GRDB
import StatusStore

extension SQLiteStatusStore {
    public func appendAudit(_ entry: AuditEntry) async throws -> AuditRecord {
        try entry.check()
        let now = StoredTime.millis(self.now())
        return try await write(.durable) { db in try AuditRows.append(entry, at: now, db) }
    }

    public func audit(of request: RequestID, limit: Int) async throws -> [AuditRecord] {
        try await writer.read { db in
            try AuditRows.fetch(
                db, where: "request_id = ?", [request.description], limit: AdminReads.pageSize(limit))
        }
    }

    public func recentAudit(limit: Int, before: Int64?) async throws -> [AuditRecord] {
        try await writer.read { db in
            try AuditRows.fetch(
                db, where: before == nil ? nil : "id < ?", before.map { [$0] } ?? [], limit: AdminReads.pageSize(limit))
        }
    }
}

/// The `audit` table.
enum AuditRows {
    static func append(_ entry: AuditEntry, at millis: Int64, _ db: Database) throws -> AuditRecord {
        try db.execute(
            sql: "INSERT INTO audit (at, user_name, action, request_id, reason, details) VALUES (?, ?, ?, ?, ?, ?)",
            arguments: [millis, entry.user, entry.action.rawValue, entry.requestID?.description, entry.reason, entry.storedDetails])
        return AuditRecord(id: db.lastInsertedRowID, at: StoredTime.date(millis), entry: entry)
    }

    static func fetch(_ db: Database, where condition: String?, _ values: [(any DatabaseValueConvertible)?], limit: Int) throws -> [AuditRecord] {
        let filter = condition.map { "WHERE " + $0 } ?? ""
        var arguments = StatementArguments(values)
        arguments += [limit]
        return try Row.fetchAll(
            db, sql: "SELECT id, at, user_name, action, request_id, reason, details FROM audit \(filter) ORDER BY id DESC LIMIT ?",
            arguments: arguments
        ).map(record)
    }

    private static func record(_ row: Row) throws -> AuditRecord {
        try AuditRecord.stored(
            id: row["id"], at: row["at"], user: row["user_name"], action: row["action"], requestID: row["request_id"],
            reason: row["reason"], details: row["details"])
    }
}
