import BroadcastModel
import EVMPrimitives
import Foundation
import Logging
import PostgresNIO
import StatusStore

extension PostgresStatusStore {
    public func storedSince(_ since: Date) async throws -> Int {
        try await read { connection in
            try await connection.first("SELECT count(*) FROM requests WHERE created_at >= \(StoredTime.millis(since))", logger)?
                .decode(Int.self) ?? 0
        }
    }

    public func oldestUnfinished() async throws -> RequestSummary? {
        // One index seek per unfinished status, merged in one statement.
        var sql = BoundSQL()
        let reads = try AdminReads.storedStatuses.filter { !$0.isFinal }.map { status in
            "(SELECT \(SummaryRow.columns) FROM requests r WHERE r.status = \(try sql.bind(status.rawValue)) ORDER BY r.created_at, r.id LIMIT 1)"
        }
        let statement = sql.query("SELECT * FROM (\(reads.joined(separator: " UNION ALL "))) oldest ORDER BY created_at, id LIMIT 1")
        return try await read { connection in
            try await connection.first(statement, logger).map { try SummaryRow(postgres: $0).summary() }
        }
    }

    public func senderLanes() async throws -> [SenderLane] {
        try await read { connection in
            // One statement: the partial index of unfinished requests (from_address, nonce),
            // as long as the unfinished work, joined to each sender's next nonce; the lowest
            // unfinished nonce's request is the sender's oldest unfinished one (nonces are
            // given in order), one (from_address, nonce) seek each.
            try await connection.all(
                """
                SELECT n.address, n.next_nonce, u.n, u.low, u.high, r.created_at
                FROM sender_nonces n
                LEFT JOIN (
                    SELECT from_address, count(*) AS n, min(nonce) AS low, max(nonce) AS high
                    FROM requests WHERE status IN \(unescaped: RequestRow.unfinishedStatuses)
                    GROUP BY from_address) u ON u.from_address = n.address
                LEFT JOIN requests r ON r.from_address = u.from_address AND r.nonce = u.low
                ORDER BY n.address
                """, logger
            ).map { row in
                let (address, next, unfinished, low, high, oldest) = try row.decode((String, Int64, Int?, Int64?, Int64?, Int64?).self)
                return SenderLane(
                    sender: try Self.address(address), nextNonce: Nonce(UInt64(exactly: next) ?? 0), unfinished: unfinished ?? 0,
                    lowestUnfinishedNonce: low.flatMap { UInt64(exactly: $0) }.map(Nonce.init),
                    highestUnfinishedNonce: high.flatMap { UInt64(exactly: $0) }.map(Nonce.init),
                    oldestUnfinishedAt: oldest.map(StoredTime.date))
            }
        }
    }

    public func heldNonces(sender: Address, from: Nonce, below: Nonce) async throws -> Int {
        guard from < below, let low = Int64(exactly: from.value), let high = Int64(exactly: below.value) else { return 0 }
        return try await read { connection in
            try await connection.first(
                "SELECT count(*) FROM requests WHERE from_address = \(sender.checksummed) AND nonce >= \(low) AND nonce < \(high)", logger
            )?.decode(Int.self) ?? 0
        }
    }

    public func partitionOffsets() async throws -> [PartitionOffset] {
        try await read { connection in
            try await connection.all(
                "SELECT consumer_group, topic, partition, next_offset FROM consumer_offsets ORDER BY consumer_group, topic, partition", logger
            ).map { row in
                let (group, topic, partition, next) = try row.decode((String, String, Int32, Int64).self)
                return PartitionOffset(group: group, topic: topic, partition: partition, nextOffset: next)
            }
        }
    }

    public func unfinishedSendersByPartition() async throws -> [SenderPartition] {
        try await read { connection in
            // The partial index of unfinished requests by source.
            try await connection.all(
                """
                SELECT DISTINCT source_topic, source_partition, from_address FROM requests
                WHERE status IN \(unescaped: RequestRow.unfinishedStatuses)
                """, logger
            ).compactMap { row -> SenderPartition? in
                let (topic, partition, sender) = try row.decode((String?, Int32?, String).self)
                guard let topic, let partition else { return nil }
                return SenderPartition(topic: topic, partition: partition, sender: try Self.address(sender))
            }
        }
    }
}
