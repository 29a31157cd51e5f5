import BroadcastModel
import EVMPrimitives
import Foundation
import GRDB
import StatusStore
import struct StatusStore.RecordCursor

extension SQLiteStatusStore {
    public func request(_ id: RequestID) async throws -> StoredRequest? {
        try await writer.read { db in
            guard let row = try RequestRow.fetchOne(db, key: id.description) else { return nil }
            return try row.stored(versions: try VersionRow.versions(of: [row.id], db)[row.id] ?? [])
        }
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

    public func unfinished(sender: Address) async throws -> [StoredRequest] {
        try await writer.read { db in
            let rows = try RequestRow.fetchAll(
                db,
                sql: "SELECT * FROM requests WHERE from_address = ? AND status IN \(RequestRow.unfinishedStatuses) ORDER BY nonce",
                arguments: [sender.checksummed])
            return try Self.stored(rows, db)
        }
    }

    public func unfinishedSenders(topic: String, partitions: [Int32]) async throws -> [Address] {
        guard !partitions.isEmpty else { return [] }
        return try await writer.read { db in
            let placeholders = Array(repeating: "?", count: partitions.count).joined(separator: ", ")
            var arguments: StatementArguments = [topic]
            arguments += StatementArguments(partitions)
            let senders = try String.fetchAll(
                db,
                sql: """
                    SELECT DISTINCT from_address FROM requests
                    WHERE source_topic = ? AND source_partition IN (\(placeholders)) AND status IN \(RequestRow.unfinishedStatuses)
                    """,
                arguments: arguments)
            return try senders.map { try Self.address($0) }
        }
    }

    public func orphanedSenders() async throws -> [OrphanedSender] {
        try await writer.read { db in
            let now = try StoreClock.now(db)
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT r.from_address AS sender, MAX(r.source_topic) AS topic, MAX(r.source_partition) AS partition
                    FROM requests r LEFT JOIN sender_leases l ON l.sender = r.from_address
                    WHERE r.status IN \(RequestRow.unfinishedStatuses) AND (l.sender IS NULL OR l.expires_at <= ?)
                    GROUP BY r.from_address
                    """,
                arguments: [now])
            return try rows.map { row in
                OrphanedSender(sender: try Self.address(row["sender"]), topic: row["topic"], partition: row["partition"])
            }
        }
    }

    public func leases() async throws -> [LeaseInfo] {
        try await writer.read { db in
            let now = try StoreClock.now(db)
            return try Row.fetchAll(db, sql: "SELECT sender, owner, epoch, expires_at FROM sender_leases ORDER BY sender").map { row in
                let expires: Int64 = row["expires_at"]
                return LeaseInfo(
                    sender: try Self.address(row["sender"]), owner: row["owner"], epoch: row["epoch"],
                    expiresAt: StoredTime.date(expires), isExpired: expires <= now)
            }
        }
    }

    public func chainHead() async throws -> BlockNumber? {
        try await writer.read { db in
            try Int64.fetchOne(db, sql: "SELECT number FROM chain_head WHERE id = 1").flatMap(UInt64.init(exactly:)).map(BlockNumber.init)
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
            let records = try Self.stored(Array(rows.prefix(limit)), db)
            let next = rows.count > limit ? records.last.map(RecordCursor.init(after:)) : nil
            return RecordPage(records: records, next: next)
        }
    }

    public func countsByStatus() async throws -> [TransactionStatus: Int] {
        try await statusCounts().byStatus
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
            return Dictionary(rows.map { ($0["partition"], $0["next_offset"]) }, uniquingKeysWith: { first, _ in first })
        }
    }

    /// The rows with their versions.
    static func stored(_ rows: [RequestRow], _ db: Database) throws -> [StoredRequest] {
        let versions = try VersionRow.versions(of: rows.map(\.id), db)
        return try rows.map { try $0.stored(versions: versions[$0.id] ?? []) }
    }

    static func address(_ text: String) throws -> Address {
        do {
            return try Address(text)
        } catch {
            throw StatusStoreError(.corruptRow, "a stored sender address \"\(text)\" does not decode: \(error)")
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
