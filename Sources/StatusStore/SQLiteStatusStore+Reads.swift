import BroadcastModel
import Foundation
import GRDB

extension SQLiteStatusStore {
    public func record(_ id: RequestID) async throws -> TransactionRecord? {
        try await writer.read { db in try RequestRow.fetchOne(db, key: id.description)?.record() }
    }

    public func attempts(of id: RequestID) async throws -> [BroadcastAttempt] {
        try await writer.read { db in
            try AttemptRow
                .filter(AttemptRow.Columns.requestID == id.description)
                .order(AttemptRow.Columns.number)
                .fetchAll(db)
                .map { try $0.attempt() }
        }
    }

    public func unfinished(limit: Int) async throws -> [TransactionRecord] {
        try await writer.read { db in
            try RequestRow.fetchAll(
                db,
                sql: """
                    SELECT * FROM requests WHERE status IN ('signed', 'retrying')
                    ORDER BY from_address, nonce LIMIT ?
                    """,
                arguments: [limit]
            ).map { try $0.record() }
        }
    }

    public func unfinished(topic: String, partitions: [Int32], limit: Int) async throws -> [TransactionRecord] {
        guard !partitions.isEmpty else { return [] }
        return try await writer.read { db in
            let placeholders = Array(repeating: "?", count: partitions.count).joined(separator: ", ")
            var arguments: StatementArguments = [topic]
            arguments += StatementArguments(partitions)
            arguments += [limit]
            return try RequestRow.fetchAll(
                db,
                sql: """
                    SELECT * FROM requests
                    WHERE source_topic = ? AND source_partition IN (\(placeholders)) AND status IN ('signed', 'retrying')
                    ORDER BY from_address, nonce LIMIT ?
                    """,
                arguments: arguments
            ).map { try $0.record() }
        }
    }

    public func list(status: TransactionStatus?, limit: Int, before: RecordCursor?) async throws -> RecordPage {
        let limit = max(0, limit)
        return try await writer.read { db in
            var query = RequestRow.all()
            if let status {
                query = query.filter(RequestRow.Columns.status == status.rawValue)
            }
            if let before {
                query = query.filter(
                    sql: "(updated_at, id) < (?, ?)",
                    arguments: [StoredTime.millis(before.updatedAt), before.id.description])
            }
            // One more than asked, to learn whether another page follows.
            let rows = try query
                .order(RequestRow.Columns.updatedAt.desc, RequestRow.Columns.id.desc)
                .limit(limit + 1)
                .fetchAll(db)
            let records = try rows.prefix(limit).map { try $0.record() }
            let next = rows.count > limit ? records.last.map(RecordCursor.init(after:)) : nil
            return RecordPage(records: records, next: next)
        }
    }

    public func countsByStatus() async throws -> [TransactionStatus: Int] {
        try await writer.read { db in
            var counts = Dictionary(uniqueKeysWithValues: TransactionStatus.allCases.map { ($0, 0) })
            let rows = try Row.fetchAll(db, sql: "SELECT status, COUNT(*) AS n FROM requests GROUP BY status")
            for row in rows {
                guard let status = TransactionStatus(rawValue: row["status"]) else {
                    throw StatusStoreError(.corruptRow, "a stored request has the unknown status \"\(row["status"] as String)\"")
                }
                counts[status] = row["n"]
            }
            return counts
        }
    }

    public func startingOffsets(group: String, topic: String, partitions: [Int32]) throws -> [Int32: Int64] {
        guard !partitions.isEmpty else { return [:] }
        return try writer.read { db in
            let placeholders = Array(repeating: "?", count: partitions.count).joined(separator: ", ")
            var arguments: StatementArguments = [group, topic]
            arguments += StatementArguments(partitions)
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT partition, next_offset FROM consumer_offsets
                    WHERE consumer_group = ? AND topic = ? AND partition IN (\(placeholders))
                    """,
                arguments: arguments)
            return Dictionary(uniqueKeysWithValues: rows.map { ($0["partition"], $0["next_offset"]) })
        }
    }

    public func moveOffset(group: String, topic: String, partition: Int32, from stored: Int64, to offset: Int64) throws {
        try writer.write { db in
            try db.execute(
                sql: """
                    UPDATE consumer_offsets SET next_offset = ?
                    WHERE consumer_group = ? AND topic = ? AND partition = ? AND next_offset = ?
                    """,
                arguments: [max(0, offset), group, topic, partition, stored])
        }
    }
}
