import BroadcastModel
import EVMPrimitives
import Foundation
import Lifecycle
import Logging
import PostgresNIO
import StatusStore

extension PostgresStatusStore {
    public func intake(
        _ batch: [ConsumedMessage], fences: [Address: LeaseFence], retryDeadline: Duration,
        sign: @Sendable (BroadcastRequest, Nonce) throws -> TransactionVersion
    ) async throws -> [IntakeResult] {
        let now = StoredTime.rounded(self.now())
        let intake = Intake(
            now: now, deadline: StoredTime.rounded(now.addingTimeInterval(retryDeadline.timeInterval)), fences: fences, logger: logger)
        return try await transaction { connection in
            var state = IntakeState(clock: try await StoreClock.now(connection, logger))
            var offsets = PartitionOffsets()
            var results: [IntakeResult] = []
            results.reserveCapacity(batch.count)
            for message in batch {
                let result = try await intake.one(message, state: &state, sign: sign, connection)
                if case .refused = result { offsets.hold(message.position) }
                offsets.consumed(message.position)
                results.append(result)
            }
            try await state.nonces.save(connection, logger)
            try await state.counts.apply(connection, logger)
            try await offsets.save(connection, logger)
            return results
        }
    }
}

/// What one intake transaction knows besides its batch.
private struct Intake {
    let now: Date
    let deadline: Date
    let fences: [Address: LeaseFence]
    let logger: Logger

    /// One message. What only reads (is it stored, is its original, is the lease held) runs in
    /// the transaction itself, so the lease row stays locked until the commit whatever the
    /// message becomes; what writes runs in a savepoint of its own, so a refusal leaves nothing
    /// of it behind (no row, no nonce) and the rest of the batch goes on. A missing lease and
    /// failures of the store itself are thrown, and end the whole transaction.
    func one(
        _ message: ConsumedMessage, state: inout IntakeState,
        sign: (BroadcastRequest, Nonce) throws -> TransactionVersion, _ connection: PostgresConnection
    ) async throws -> IntakeResult {
        guard var request = message.request else { return .skipped }
        do {
            if let row = try await connection.first("SELECT * FROM requests WHERE id = \(request.id.description)", logger) {
                let stored = try RequestRow.decode(row)
                let versions = try await VersionRow.versions(of: [stored.id], connection, logger)[stored.id] ?? []
                return .existing(try stored.stored(versions: versions))
            }
            if let original = request.retryOf,
                try await connection.first("SELECT 1 FROM requests WHERE id = \(original.description)", logger) == nil
            {
                return .refused(IntakeRefusal(
                    .unknownOriginal,
                    "request \(request.id) retries request \(original), which this status store does not hold; the retry was produced against another store, or by hand"))
            }
        } catch let error as StatusStoreError where error.code == .corruptRow {
            return .refused(IntakeRefusal(.storeRefused, "the status store refused request \(request.id): \(error)"))
        }
        if !state.fenced.contains(request.from) {
            guard let fence = fences[request.from], fence.sender == request.from else {
                throw StatusStoreError(.fenced, "intake of a request from \(request.from) without the sender's lease")
            }
            try await Lease.require(fence, connection, logger, now: state.clock)
            state.fenced.insert(request.from)
        }

        var taken = state.nonces
        try await connection.run("SAVEPOINT intake_message", logger)
        do {
            let nonce = try await taken.take(for: request.from, connection, logger)
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
            try await connection.run(try row.columns.insert(into: "requests"), logger)
            try await connection.run(try VersionRow(original, of: request.id).columns.insert(into: "versions"), logger)
            try await Outbox.add(lifecycle.event(sequence: 1, at: now), connection, logger, now: now)
            try await connection.run("RELEASE SAVEPOINT intake_message", logger)
            state.nonces = taken
            state.counts.added(row.status)
            return .new(StoredRequest(
                request: request, lifecycle: lifecycle, sequence: 1, createdAt: now, updatedAt: now,
                sourceTopic: message.position.topic, sourcePartition: message.position.partition))
        } catch {
            let mapped = StoreFailure.mapped(error)
            if let failure = mapped as? StatusStoreError, failure.isTransient { throw failure }
            // Also what a lost connection fails here, which ends the transaction anyway.
            try await connection.run("ROLLBACK TO SAVEPOINT intake_message", logger)
            if let refused = error as? Refused { return .refused(refused.refusal) }
            return .refused(IntakeRefusal(.storeRefused, "the status store refused request \(request.id): \(mapped)"))
        }
    }
}

/// The nonces taken so far and the leases checked so far in one intake transaction.
private struct IntakeState {
    let clock: Int64
    var nonces = SenderNonces()
    var counts = StatusCounter()
    var fenced: Set<Address> = []
}

/// Carries a refusal out of the savepoint, which it rolls back; never leaves `Intake.one`.
private struct Refused: Error {
    let refusal: IntakeRefusal
    init(_ kind: IntakeRefusal.Kind, _ reason: String) { refusal = IntakeRefusal(kind, reason) }
}

/// The next nonce of each sender met in one intake transaction, read once under the row lock
/// of its `sender_nonces` row (held to the commit, so no other host's intake of the sender
/// reads it meanwhile) and written back once.
struct SenderNonces {
    private var next: [Address: Nonce] = [:]

    mutating func take(for sender: Address, _ connection: PostgresConnection, _ logger: Logger) async throws -> Nonce {
        let nonce: Nonce
        if let cached = next[sender] {
            nonce = cached
        } else {
            nonce = try await Self.locked(sender, connection, logger)
        }
        next[sender] = nonce.next
        return nonce
    }

    func save(_ connection: PostgresConnection, _ logger: Logger) async throws {
        for (sender, nonce) in next {
            try await Self.set(sender, nonce, connection, logger)
        }
    }

    static func set(_ sender: Address, _ nonce: Nonce, _ connection: PostgresConnection, _ logger: Logger) async throws {
        let value = try storedInteger(nonce.value, "next nonce of \(sender)")
        try await connection.run(
            """
            INSERT INTO sender_nonces (address, next_nonce) VALUES (\(sender.checksummed), \(value))
            ON CONFLICT (address) DO UPDATE SET next_nonce = excluded.next_nonce
            """, logger)
    }

    /// The stored next nonce, its row locked (created at 0 first if missing: a missing row
    /// cannot be locked, and two hosts must not both read "none" and both start at 0).
    static func locked(_ sender: Address, _ connection: PostgresConnection, _ logger: Logger) async throws -> Nonce {
        let address = sender.checksummed
        try await connection.run(
            "INSERT INTO sender_nonces (address, next_nonce) VALUES (\(address), 0) ON CONFLICT (address) DO NOTHING", logger)
        guard let row = try await connection.first("SELECT next_nonce FROM sender_nonces WHERE address = \(address) FOR UPDATE", logger) else {
            throw StatusStoreError(.corruptRow, "the next nonce of \(sender) vanished while it was locked; the status store was edited by hand")
        }
        let stored = try row.decode(Int64.self)
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

    func save(_ connection: PostgresConnection, _ logger: Logger) async throws {
        // In one order, so two hosts' intakes of the same partitions lock their rows alike.
        for (key, offset) in next.sorted(by: { ($0.key.group, $0.key.topic, $0.key.partition) < ($1.key.group, $1.key.topic, $1.key.partition) }) {
            // Only forward: a replayed older batch must not rewind the partition.
            try await connection.run(
                """
                INSERT INTO consumer_offsets (consumer_group, topic, partition, next_offset)
                VALUES (\(key.group), \(key.topic), \(key.partition), \(offset))
                ON CONFLICT (consumer_group, topic, partition) DO UPDATE SET next_offset = excluded.next_offset
                WHERE excluded.next_offset > consumer_offsets.next_offset
                """, logger)
        }
    }
}
