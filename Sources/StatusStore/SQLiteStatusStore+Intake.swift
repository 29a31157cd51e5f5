import BroadcastModel
import EVMPrimitives
import Foundation
import GRDB
import Lifecycle

extension SQLiteStatusStore {
    public func intake(
        _ batch: [ConsumedMessage], fences: [Address: LeaseFence], retryDeadline: Duration,
        sign: @Sendable (BroadcastRequest, Nonce) throws -> TransactionVersion
    ) async throws -> [IntakeResult] {
        let now = StoredTime.rounded(self.now())
        let deadline = StoredTime.rounded(now.addingTimeInterval(retryDeadline.timeInterval))
        return try await write(.durable) { db in
            let clock = try StoreClock.now(db)
            var checked: Set<Address> = []
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
                    let versions = try VersionRow.versions(of: [stored.id], db)[stored.id] ?? []
                    results.append(.existing(try stored.stored(versions: versions)))
                    continue
                }
                if let original = request.retryOf, try !RequestRow.exists(db, key: original.description) {
                    results.append(.refused(reason: "request \(request.id) retries request \(original), which this status store does not hold; the retry was produced against another store"))
                    continue
                }
                if checked.insert(request.from).inserted {
                    guard let fence = fences[request.from] else {
                        throw StatusStoreError(.fenced, "intake of a request from \(request.from) without its lease")
                    }
                    try Lease.require(fence, db, now: clock)
                }
                let nonce = try nonces.take(for: request.from, db)
                let original = try sign(request, nonce)
                request.acceptedAt = StoredTime.rounded(request.acceptedAt)
                let state = LifecycleState(id: request.id, sender: request.from, nonce: nonce, original: original, deadline: deadline)
                let row = try RequestRow(request: request, state: state, sequence: 1, createdAt: now, updatedAt: now, source: message.position)
                try row.insert(db)
                try VersionRow(original, of: request.id).insert(db)
                try Outbox.add(state.event(sequence: 1, at: now), db, now: now)
                results.append(.new(StoredRequest(
                    request: request, lifecycle: state, sequence: 1, createdAt: now, updatedAt: now,
                    sourceTopic: message.position.topic, sourcePartition: message.position.partition)))
            }
            try nonces.save(db)
            try offsets.save(db)
            return results
        }
    }
}

/// The next nonce of each sender met in one intake transaction, read once and written back once.
struct SenderNonces {
    private var next: [Address: Nonce] = [:]

    mutating func take(for sender: Address, _ db: Database) throws -> Nonce {
        let nonce = try next[sender] ?? Self.stored(sender, db)
        next[sender] = nonce.next
        return nonce
    }

    func save(_ db: Database) throws {
        for (sender, nonce) in next {
            // The write lock has been held since the read, so nothing moved it meanwhile.
            try Self.set(sender, nonce, db)
        }
    }

    static func set(_ sender: Address, _ nonce: Nonce, _ db: Database) throws {
        try db.execute(
            sql: """
                INSERT INTO sender_nonces (address, next_nonce) VALUES (?, ?)
                ON CONFLICT (address) DO UPDATE SET next_nonce = excluded.next_nonce
                """,
            arguments: [sender.checksummed, try storedInteger(nonce.value, "next nonce of \(sender)")])
    }

    static func stored(_ sender: Address, _ db: Database) throws -> Nonce {
        let stored = try Int64.fetchOne(
            db, sql: "SELECT next_nonce FROM sender_nonces WHERE address = ?", arguments: [sender.checksummed]) ?? 0
        guard let value = UInt64(exactly: stored) else {
            throw StatusStoreError(.corruptRow, "the stored next nonce of \(sender) is \(stored); the status store was edited by hand")
        }
        return Nonce(value)
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
