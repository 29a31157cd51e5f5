import BroadcastModel
import EVMPrimitives
import Foundation
import Logging
import PostgresNIO
import StatusStore
import struct StatusStore.RecordCursor

extension PostgresStatusStore {
    public func request(_ id: RequestID) async throws -> StoredRequest? {
        try await read { connection in
            guard let row = try await connection.first("SELECT * FROM requests WHERE id = \(id.description)", logger) else { return nil }
            return try await Self.stored([try RequestRow.decode(row)], connection, logger).first
        }
    }

    public func attempts(of id: RequestID) async throws -> [BroadcastAttempt] {
        try await read { connection in
            try await connection.all("SELECT * FROM attempts WHERE request_id = \(id.description) ORDER BY number", logger)
                .map { try AttemptRow.decode($0).attempt() }
        }
    }

    public func unfinished(sender: Address) async throws -> [StoredRequest] {
        try await read { connection in
            let rows = try await connection.all(
                """
                SELECT * FROM requests WHERE from_address = \(sender.checksummed)
                AND status IN \(unescaped: RequestRow.unfinishedStatuses) ORDER BY nonce
                """, logger)
            return try await Self.stored(try rows.map(RequestRow.decode), connection, logger)
        }
    }

    public func unfinishedSenders(topic: String, partitions: [Int32]) async throws -> [Address] {
        guard !partitions.isEmpty else { return [] }
        return try await read { connection in
            try await connection.all(
                """
                SELECT DISTINCT from_address FROM requests
                WHERE source_topic = \(topic) AND source_partition = ANY(\(partitions))
                AND status IN \(unescaped: RequestRow.unfinishedStatuses)
                """, logger
            ).map { try Self.address(try $0.decode(String.self)) }
        }
    }

    public func orphanedSenders() async throws -> [OrphanedSender] {
        try await read { connection in
            let rows = try await connection.all(
                """
                SELECT r.from_address, MAX(r.source_topic), MAX(r.source_partition)
                FROM requests r LEFT JOIN sender_leases l ON l.sender = r.from_address
                WHERE r.status IN \(unescaped: RequestRow.unfinishedStatuses)
                AND (l.sender IS NULL OR l.expires_at <= \(unescaped: StoreClock.sql))
                GROUP BY r.from_address
                """, logger)
            return try rows.map { row in
                let (sender, topic, partition) = try row.decode((String, String?, Int32?).self)
                return OrphanedSender(sender: try Self.address(sender), topic: topic, partition: partition)
            }
        }
    }

    public func leases() async throws -> [LeaseInfo] {
        try await read { connection in
            let rows = try await connection.all(
                "SELECT sender, owner, epoch, expires_at, \(unescaped: StoreClock.sql) FROM sender_leases ORDER BY sender COLLATE \"C\"", logger)
            return try rows.map { row in
                let (sender, owner, epoch, expires, now) = try row.decode((String, String, Int64, Int64, Int64).self)
                return LeaseInfo(
                    sender: try Self.address(sender), owner: owner, epoch: epoch, expiresAt: StoredTime.date(expires), isExpired: expires <= now)
            }
        }
    }

    public func chainHead() async throws -> BlockNumber? {
        try await read { connection in
            let number = try await connection.first("SELECT number FROM chain_head WHERE id = 1", logger)?.decode(Int64.self)
            return number.flatMap(UInt64.init(exactly:)).map(BlockNumber.init)
        }
    }

    public func list(status: TransactionStatus?, limit: Int, before: RecordCursor?) async throws -> RecordPage {
        let limit = max(0, limit)
        var sql = "SELECT * FROM requests"
        var binds = PostgresBindings()
        var conditions: [String] = []
        if let status {
            binds.append(status.rawValue)
            conditions.append("status = $\(binds.count)")
        }
        if let before {
            binds.append(StoredTime.millis(before.updatedAt))
            binds.append(before.id.description)
            conditions.append("(updated_at, id) < ($\(binds.count - 1), $\(binds.count))")
        }
        if !conditions.isEmpty { sql += " WHERE " + conditions.joined(separator: " AND ") }
        // One more than asked, to learn whether another page follows.
        binds.append(Int64(limit) + 1)
        sql += " ORDER BY updated_at DESC, id DESC LIMIT $\(binds.count)"
        let query = PostgresQuery(unsafeSQL: sql, binds: binds)
        return try await read { connection in
            let rows = try await connection.all(query, logger).map(RequestRow.decode)
            let records = try await Self.stored(Array(rows.prefix(limit)), connection, logger)
            let next = rows.count > limit ? records.last.map(RecordCursor.init(after:)) : nil
            return RecordPage(records: records, next: next)
        }
    }

    public func countsByStatus() async throws -> [TransactionStatus: Int] {
        try await read { connection in
            var counts: [TransactionStatus: Int] = [:]
            // Every status a stored request can be in (`accepted` is the topic's, never stored).
            for status in TransactionStatus.allCases where status != .accepted { counts[status] = 0 }
            for row in try await connection.all("SELECT status, count FROM status_counts", logger) {
                let (name, count) = try row.decode((String, Int64).self)
                guard let status = TransactionStatus(rawValue: name), let count = Int(exactly: count) else {
                    throw StatusStoreError(.corruptRow, "status_counts holds \"\(name)\" = \(count); the status store was edited by hand")
                }
                counts[status] = count
            }
            return counts
        }
    }

    /// The rows with their versions.
    static func stored(_ rows: [RequestRow], _ connection: PostgresConnection, _ logger: Logger) async throws -> [StoredRequest] {
        let versions = try await VersionRow.versions(of: rows.map(\.id), connection, logger)
        return try rows.map { try $0.stored(versions: versions[$0.id] ?? []) }
    }

    static func address(_ text: String) throws -> Address {
        do {
            return try Address(text)
        } catch {
            throw StatusStoreError(.corruptRow, "a stored sender address \"\(text)\" does not decode: \(error)")
        }
    }
}
