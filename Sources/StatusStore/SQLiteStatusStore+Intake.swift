import BroadcastModel
import EVMPrimitives
import Foundation
import GRDB

extension SQLiteStatusStore {
    public func intake(
        _ batch: [ConsumedMessage],
        sign: @Sendable (BroadcastRequest, Nonce) throws -> SignedBytes
    ) async throws -> [IntakeResult] {
        let now = StoredTime.rounded(self.now())
        return try await write(.durable) { db in
            var nonces = SenderNonces()
            var offsets = PartitionOffsets()
            var results: [IntakeResult] = []
            results.reserveCapacity(batch.count)
            for message in batch {
                offsets.consumed(message.position)
                guard var request = message.request else {
                    results.append(.skipped)
                    continue
                }
                if let stored = try RequestRow.fetchOne(db, key: request.id.description) {
                    results.append(.existing(try stored.record()))
                    continue
                }
                if let original = request.retryOf, try !RequestRow.exists(db, key: original.description) {
                    throw StatusStoreError(
                        .unknownRequest,
                        "request \(request.id) retries request \(original), which this status store does not hold; the retry was produced against another store")
                }
                let nonce = try nonces.take(for: request.from, db)
                let signed = try sign(request, nonce)
                request.acceptedAt = StoredTime.rounded(request.acceptedAt)
                let record = TransactionRecord(
                    request: request, status: .signed, nonce: nonce, rawTransaction: signed.raw,
                    hash: signed.hash, createdAt: now, updatedAt: now)
                try RequestRow(
                    record, sourceTopic: message.position.topic, sourcePartition: message.position.partition
                ).insert(db)
                results.append(.new(record))
            }
            try nonces.save(db)
            try offsets.save(db)
            return results
        }
    }
}

/// The next nonce of each sender met in one intake transaction, read once and written back once.
private struct SenderNonces {
    private var next: [Address: Nonce] = [:]

    mutating func take(for sender: Address, _ db: Database) throws -> Nonce {
        let nonce = try next[sender] ?? stored(sender, db)
        next[sender] = nonce.next
        return nonce
    }

    func save(_ db: Database) throws {
        for (sender, nonce) in next {
            // The write lock has been held since the read, so nothing moved it meanwhile.
            try db.execute(
                sql: """
                    INSERT INTO sender_nonces (address, next_nonce) VALUES (?, ?)
                    ON CONFLICT (address) DO UPDATE SET next_nonce = excluded.next_nonce
                    """,
                arguments: [sender.checksummed, try storedInteger(nonce.value, "next nonce of \(sender)")])
        }
    }

    private func stored(_ sender: Address, _ db: Database) throws -> Nonce {
        let stored = try Int64.fetchOne(
            db, sql: "SELECT next_nonce FROM sender_nonces WHERE address = ?", arguments: [sender.checksummed])
        return Nonce(UInt64(stored ?? 0))
    }
}

/// The offset after the last message of each partition in one intake.
private struct PartitionOffsets {
    private struct Partition: Hashable {
        var group: String
        var topic: String
        var partition: Int32
    }

    private var next: [Partition: Int64] = [:]

    mutating func consumed(_ position: ConsumedPosition) {
        let key = Partition(group: position.group, topic: position.topic, partition: position.partition)
        next[key] = max(next[key] ?? 0, position.offset + 1)
    }

    func save(_ db: Database) throws {
        for (key, offset) in next {
            // Only forward: a replayed older batch must not rewind the partition.
            try db.execute(
                sql: """
                    INSERT INTO consumer_offsets (consumer_group, topic, partition, next_offset) VALUES (?, ?, ?, ?)
                    ON CONFLICT (consumer_group, topic, partition) DO UPDATE SET next_offset = excluded.next_offset
                    WHERE excluded.next_offset > consumer_offsets.next_offset
                    """,
                arguments: [key.group, key.topic, key.partition, offset])
        }
    }
}
