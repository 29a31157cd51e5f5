import BroadcastModel
import EVMPrimitives
import Foundation
import GRDB
import Lifecycle
import StatusStore

extension SQLiteStatusStore {
    public func intake(
        _ batch: [ConsumedMessage], fences: [Address: LeaseFence], retryDeadline: Duration,
        sign: @Sendable (BroadcastRequest, Nonce) throws -> TransactionVersion
    ) async throws -> [IntakeResult] {
        let now = StoredTime.rounded(self.now())
        let intake = Intake(now: now, deadline: StoredTime.rounded(now.addingTimeInterval(retryDeadline.timeInterval)), fences: fences)
        return try await write(.durable) { db in
            var state = IntakeState(clock: try StoreClock.now(db))
            var offsets = PartitionOffsets()
            var results: [IntakeResult] = []
            results.reserveCapacity(batch.count)
            for message in batch {
                let result = try intake.one(message, state: &state, sign: sign, db)
                if case .refused = result { offsets.hold(message.position) }
                offsets.consumed(message.position)
                results.append(result)
            }
            try state.nonces.save(db)
            try offsets.save(db)
            return results
        }
    }
}

/// What one intake transaction knows besides its batch.
private struct Intake {
    let now: Date
    let deadline: Date
    let fences: [Address: LeaseFence]

    /// One message, in a savepoint of its own: a refusal leaves nothing of it behind (no row,
    /// no nonce) and the rest of the batch goes on. A missing lease and failures of the store
    /// itself (lock, disk) are thrown, and end the whole transaction.
    func one(
        _ message: ConsumedMessage, state: inout IntakeState,
        sign: (BroadcastRequest, Nonce) throws -> TransactionVersion, _ db: Database
    ) throws -> IntakeResult {
        guard var request = message.request else { return .skipped }
        var result = IntakeResult.skipped
        var taken = state.nonces
        do {
            try db.inSavepoint {
                if let stored = try RequestRow.stored(request.id.description, db) {
                    let versions = try VersionRow.versions(of: [stored.id], db)[stored.id] ?? []
                    result = .existing(try stored.stored(versions: versions))
                    return .commit
                }
                if let original = request.retryOf, try !RequestRow.exists(db, key: original.description) {
                    throw Refused(
                        .unknownOriginal, "request \(request.id) retries request \(original), which this status store does not hold; the retry was produced against another store, or by hand")
                }
                if state.fenced.insert(request.from).inserted {
                    guard let fence = fences[request.from], fence.sender == request.from else {
                        throw StatusStoreError(.fenced, "intake of a request from \(request.from) without the sender's lease")
                    }
                    try Lease.require(fence, db, now: state.clock)
                }
                let nonce = try taken.take(for: request.from, db)
                let signed: TransactionVersion
                do {
                    signed = try sign(request, nonce)
                } catch {
                    throw Refused(.unsignable, "request \(request.id) could not be signed: \(error)")
                }
                // As stored, so that the request returned equals the one read back later.
                let original = TransactionVersion(
                    number: signed.number, kind: signed.kind, hash: signed.hash, raw: signed.raw, fees: signed.fees,
                    signedAt: StoredTime.rounded(signed.signedAt))
                request.acceptedAt = StoredTime.rounded(request.acceptedAt)
                let lifecycle = LifecycleState(id: request.id, sender: request.from, nonce: nonce, original: original, deadline: deadline)
                let row = try RequestRow(request: request, state: lifecycle, sequence: 1, createdAt: now, updatedAt: now, source: message.position)
                try row.insert(db)
                try StatusCounter.added(row.status, db)
                try VersionRow(original, of: request.id).insert(db)
                try Outbox.add(lifecycle.event(sequence: 1, at: now), db, now: now)
                result = .new(StoredRequest(
                    request: request, lifecycle: lifecycle, sequence: 1, createdAt: now, updatedAt: now,
                    sourceTopic: message.position.topic, sourcePartition: message.position.partition))
                return .commit
            }
        } catch let refused as Refused {
            return .refused(refused.refusal)
        } catch let error as StatusStoreError where error.code == .fenced {
            throw error
        } catch {
            if let transient = StatusStoreError.transient(error) { throw transient }
            return .refused(IntakeRefusal(.storeRefused, "the status store refused request \(request.id): \(error)"))
        }
        state.nonces = taken
        return result
    }
}

/// The nonces taken so far and the leases checked so far in one intake transaction.
private struct IntakeState {
    let clock: Int64
    var nonces = SenderNonces()
    var fenced: Set<Address> = []
}

/// Carries a refusal out of the savepoint, which it rolls back; never leaves `Intake.one`.
private struct Refused: Error {
    let refusal: IntakeRefusal
    init(_ kind: IntakeRefusal.Kind, _ reason: String) { refusal = IntakeRefusal(kind, reason) }
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
