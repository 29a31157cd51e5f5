import BroadcastModel
import Foundation
import GRDB
import StatusStore

extension SQLiteStatusStore {
    public func appendAudit(_ entry: AuditEntry) async throws -> AuditRecord {
        try AuditRows.check(entry)
        let now = StoredTime.millis(self.now())
        return try await write(.durable) { db in try AuditRows.append(entry, at: now, db) }
    }

    public func audit(of request: RequestID, limit: Int) async throws -> [AuditRecord] {
        try await writer.read { db in
            try AuditRows.fetch(
                db, where: "request_id = ?", [request.description], limit: max(0, min(limit, Self.largestPage)))
        }
    }

    public func recentAudit(limit: Int, before: Int64?) async throws -> [AuditRecord] {
        try await writer.read { db in
            try AuditRows.fetch(
                db, where: before == nil ? nil : "id < ?", before.map { [$0] } ?? [], limit: max(0, min(limit, Self.largestPage)))
        }
    }
}

/// The `audit` table.
enum AuditRows {
    static func check(_ entry: AuditEntry) throws {
        guard !entry.user.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw StatusStoreError(.invalidAuditEntry, "an audit entry needs the user who acted; \(entry.action) was not recorded")
        }
        guard !entry.action.rawValue.isEmpty else {
            throw StatusStoreError(.invalidAuditEntry, "an audit entry needs an action; the entry of \(entry.user) was not recorded")
        }
    }

    static func append(_ entry: AuditEntry, at millis: Int64, _ db: Database) throws -> AuditRecord {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let details = String(decoding: try encoder.encode(entry.details), as: UTF8.self)
        try db.execute(
            sql: "INSERT INTO audit (at, user_name, action, request_id, reason, details) VALUES (?, ?, ?, ?, ?, ?)",
            arguments: [millis, entry.user, entry.action.rawValue, entry.requestID?.description, entry.reason, details])
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
        let id: Int64 = row["id"]
        let requestText: String? = row["request_id"]
        let detailsText: String = row["details"]
        var requestID: RequestID?
        if let requestText {
            guard let parsed = RequestID(requestText) else { throw corrupt(id, "request_id \"\(requestText)\"") }
            requestID = parsed
        }
        guard let details = try? JSONDecoder().decode([String: String].self, from: Data(detailsText.utf8)) else {
            throw corrupt(id, "details")
        }
        let entry = AuditEntry(
            user: row["user_name"], action: AuditAction(rawValue: row["action"]), requestID: requestID, reason: row["reason"], details: details)
        return AuditRecord(id: id, at: StoredTime.date(row["at"]), entry: entry)
    }

    private static func corrupt(_ id: Int64, _ detail: String) -> StatusStoreError {
        StatusStoreError(.corruptRow, "audit entry \(id) does not decode (\(detail)); the status store was edited or written by a broken build")
    }
}
