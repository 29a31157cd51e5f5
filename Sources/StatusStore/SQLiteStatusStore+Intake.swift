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
                let result = try Self.intakeOne(message, at: now, nonces: &nonces, sign: sign, db)
                if case .refused = result { offsets.hold(message.position) }
                offsets.consumed(message.position)
                results.append(result)
            }
            try nonces.save(db)
            try offsets.save(db)
            return results
        }
    }

    /// One message of an intake, in a savepoint of its own: a refusal leaves nothing of it
    /// behind (no row, no nonce) and the rest of the batch goes on. Only a failure of the store
    /// itself (lock, disk) is thrown, and it ends the whole transaction.
    private static func intakeOne(
        _ message: ConsumedMessage, at now: Date, nonces: inout SenderNonces,
        sign: (BroadcastRequest, Nonce) throws -> SignedBytes, _ db: Database
    ) throws -> IntakeResult {
        guard var request = message.request else { return .skipped }
        var result = IntakeResult.skipped
        var taken = nonces
        do {
            try db.inSavepoint {
                if let stored = try RequestRow.fetchOne(db, key: request.id.description) {
                    result = .existing(try stored.record())
                    return .commit
                }
                if let original = request.retryOf, try !RequestRow.exists(db, key: original.description) {
                    throw Refused(
                        .unknownOriginal, "request \(request.id) retries request \(original), which this status store does not hold; the retry was produced against another store, or by hand")
                }
                let nonce = try taken.take(for: request.from, db)
                let signed: SignedBytes
                do {
                    signed = try sign(request, nonce)
                } catch {
                    throw Refused(.unsignable, "request \(request.id) could not be signed: \(error)")
                }
                request.acceptedAt = StoredTime.rounded(request.acceptedAt)
                let record = TransactionRecord(
                    request: request, status: .signed, nonce: nonce, rawTransaction: signed.raw,
                    hash: signed.hash, createdAt: now, updatedAt: now)
                try RequestRow(
                    record, sourceTopic: message.position.topic, sourcePartition: message.position.partition
                ).insert(db)
                result = .new(record)
                return .commit
            }
        } catch let refused as Refused {
            return .refused(refused.refusal)
        } catch {
            if let transient = StatusStoreError.transient(error) { throw transient }
            return .refused(IntakeRefusal(.storeRefused, "the status store refused request \(request.id): \(error)"))
        }
        nonces = taken
        return result
    }
}

/// Carries a refusal out of the savepoint, which it rolls back; never leaves `intakeOne`.
private struct Refused: Error {
    let refusal: IntakeRefusal
    init(_ kind: IntakeRefusal.Kind, _ reason: String) { refusal = IntakeRefusal(kind, reason) }
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
        guard let next = UInt64(exactly: stored ?? 0) else {
            throw StatusStoreError(.corruptRow, "the stored next nonce of \(sender) is \(stored ?? 0); the status store was edited or written by a broken build")
        }
        return Nonce(next)
    }
}

/// The offset after the last message of each partition in one intake, except that a refused
/// message holds its partition where it is: its offset is stored as consumed only once the
/// caller has dealt with it (sent it to the dead-letter topic) and takes it in again.
private struct PartitionOffsets {
    private struct Partition: Hashable {
        var group: String
        var topic: String
        var partition: Int32

        init(_ position: ConsumedPosition) {
            group = position.group
            topic = position.topic
            partition = position.partition
        }
    }

    private var next: [Partition: Int64] = [:]
    private var held: Set<Partition> = []

    mutating func hold(_ position: ConsumedPosition) {
        held.insert(Partition(position))
    }

    mutating func consumed(_ position: ConsumedPosition) {
        let key = Partition(position)
        guard !held.contains(key) else { return }
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
