import BroadcastModel
import EVMPrimitives
import Foundation
import GRDB

extension SQLiteStatusStore: AdminOverviewReads {
    public func storedSince(_ since: Date) async throws -> Int {
        try await writer.read { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM requests WHERE created_at >= ?", arguments: [StoredTime.millis(since)]) ?? 0
        }
    }

    public func oldestUnfinished() async throws -> RequestSummary? {
        try await writer.read { db in
            var oldest: SummaryRow?
            for status in Self.storedStatuses where !status.isFinal {
                let row = try Row.fetchOne(
                    db,
                    sql: "SELECT \(SummarySQL.columns) FROM requests r WHERE r.status = ? ORDER BY r.created_at, r.id LIMIT 1",
                    arguments: [status.rawValue]
                ).map(SummaryRow.init)
                guard let row else { continue }
                if let current = oldest, !SummaryRow.newerFirst(current, row) { continue }
                oldest = row
            }
            return try oldest?.summary()
        }
    }

    public func senderLanes() async throws -> [SenderLane] {
        try await writer.read { db in
            try Row.fetchAll(db, sql: "SELECT address, next_nonce FROM sender_nonces ORDER BY address").map { row in
                let key: String = row["address"]
                let sender = try Self.address(key)
                let nextValue: Int64 = row["next_nonce"]
                let next = UInt64(exactly: nextValue) ?? 0
                // The partial index of unfinished requests, (from_address, nonce).
                let open = try Row.fetchOne(
                    db,
                    sql: """
                        SELECT COUNT(*) AS n, MIN(nonce) AS low, MAX(nonce) AS high, MIN(created_at) AS oldest
                        FROM requests WHERE from_address = ? AND status IN \(RequestRow.unfinishedStatuses)
                        """,
                    arguments: [key])
                var unfinished = 0
                var low: Int64?
                var high: Int64?
                var oldest: Int64?
                if let open {
                    unfinished = open["n"]
                    low = open["low"]
                    high = open["high"]
                    oldest = open["oldest"]
                }
                var gaps = 0
                if let low, let lowNonce = UInt64(exactly: low), lowNonce < next {
                    // The (from_address, nonce) unique index, over the open window only.
                    let held = try Int.fetchOne(
                        db, sql: "SELECT COUNT(*) FROM requests WHERE from_address = ? AND nonce >= ? AND nonce < ?",
                        arguments: [key, low, nextValue]) ?? 0
                    gaps = max(0, Int(clamping: next - lowNonce) - held)
                }
                return SenderLane(
                    sender: sender, nextNonce: Nonce(next), unfinished: unfinished,
                    lowestUnfinishedNonce: low.flatMap(UInt64.init(exactly:)).map(Nonce.init),
                    highestUnfinishedNonce: high.flatMap(UInt64.init(exactly:)).map(Nonce.init), gaps: gaps,
                    oldestUnfinishedAt: oldest.map(StoredTime.date))
            }
        }
    }

    public func partitionOffsets() async throws -> [PartitionOffset] {
        try await writer.read { db in
            try Row.fetchAll(db, sql: "SELECT consumer_group, topic, partition, next_offset FROM consumer_offsets ORDER BY consumer_group, topic, partition")
                .map { row in
                    PartitionOffset(group: row["consumer_group"], topic: row["topic"], partition: row["partition"], nextOffset: row["next_offset"])
                }
        }
    }

    public func unfinishedSendersByPartition() async throws -> [SenderPartition] {
        try await writer.read { db in
            // The partial index of unfinished requests by source.
            try Row.fetchAll(
                db,
                sql: """
                    SELECT DISTINCT source_topic, source_partition, from_address FROM requests
                    WHERE source_topic IS NOT NULL AND source_partition IS NOT NULL AND status IN \(RequestRow.unfinishedStatuses)
                    """
            ).map { row in
                SenderPartition(topic: row["source_topic"], partition: row["source_partition"], sender: try Self.address(row["from_address"]))
            }
        }
    }
}
