import BroadcastModel
import EVMPrimitives
import Foundation
import GRDB
import StatusStore

extension SQLiteStatusStore: AdminOverviewReads {
    public func storedSince(_ since: Date) async throws -> Int {
        try await writer.read { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM requests WHERE created_at >= ?", arguments: [StoredTime.millis(since)]) ?? 0
        }
    }

    public func oldestUnfinished() async throws -> RequestSummary? {
        try await writer.read { db in
            var oldest: SummaryRow?
            for status in AdminReads.storedStatuses where !status.isFinal {
                let row = try Row.fetchOne(
                    db,
                    sql: "SELECT \(SummaryRow.columns) FROM requests r WHERE r.status = ? ORDER BY r.created_at, r.id LIMIT 1",
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
            // One statement: a walk of the partial index of unfinished requests (from_address,
            // nonce), as long as the unfinished work and reading no table row, joined to each
            // sender's next nonce; the lowest unfinished nonce's request is the sender's oldest
            // unfinished one (nonces are given in order), one (from_address, nonce) seek each.
            try Row.fetchAll(
                db,
                sql: """
                    SELECT n.address, n.next_nonce, u.n AS unfinished, u.low, u.high, r.created_at AS oldest
                    FROM sender_nonces n
                    LEFT JOIN (
                        SELECT from_address, COUNT(*) AS n, MIN(nonce) AS low, MAX(nonce) AS high
                        FROM requests INDEXED BY requests_unfinished WHERE status IN \(RequestRow.unfinishedStatuses)
                        GROUP BY from_address) u ON u.from_address = n.address
                    LEFT JOIN requests r ON r.from_address = u.from_address AND r.nonce = u.low
                    ORDER BY n.address
                    """
            ).map { row in
                let next: Int64 = row["next_nonce"]
                let low: Int64? = row["low"]
                let high: Int64? = row["high"]
                let oldest: Int64? = row["oldest"]
                let unfinished: Int? = row["unfinished"]
                return SenderLane(
                    sender: try Self.address(row["address"]), nextNonce: Nonce(UInt64(exactly: next) ?? 0), unfinished: unfinished ?? 0,
                    lowestUnfinishedNonce: low.flatMap { UInt64(exactly: $0) }.map(Nonce.init),
                    highestUnfinishedNonce: high.flatMap { UInt64(exactly: $0) }.map(Nonce.init),
                    oldestUnfinishedAt: oldest.map(StoredTime.date))
            }
        }
    }

    public func heldNonces(sender: Address, from: Nonce, below: Nonce) async throws -> Int {
        guard from < below, let low = Int64(exactly: from.value), let high = Int64(exactly: below.value) else { return 0 }
        return try await writer.read { db in
            try Int.fetchOne(
                db, sql: "SELECT COUNT(*) FROM requests WHERE from_address = ? AND nonce >= ? AND nonce < ?",
                arguments: [sender.checksummed, low, high]) ?? 0
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
                    SELECT DISTINCT source_topic, source_partition, from_address FROM requests INDEXED BY requests_unfinished_by_source
                    WHERE status IN \(RequestRow.unfinishedStatuses)
                    """
            ).compactMap { row -> SenderPartition? in
                guard let topic: String = row["source_topic"], let partition: Int32 = row["source_partition"] else { return nil }
                return SenderPartition(topic: topic, partition: partition, sender: try Self.address(row["from_address"]))
            }
        }
    }
}
