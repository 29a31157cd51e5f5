import BroadcastModel
import EVMPrimitives
import Foundation
import Lifecycle
import Logging
import PostgresNIO
import StatusStore

extension PostgresStatusStore {
    /// The batch in one transaction. Its new rows go in grouped, a few statements for the whole
    /// batch; should the server refuse one of them, which aborts the transaction, the batch is
    /// taken in again message by message, each in a savepoint, so that the refusal is that
    /// message's alone and the others are stored.
    public func intake(
        _ batch: [ConsumedMessage], fences: [Address: LeaseFence], retryDeadline: Duration,
        sign: @Sendable (BroadcastRequest, Nonce) throws -> TransactionVersion
    ) async throws -> [IntakeResult] {
        let now = StoredTime.rounded(self.now())
        let intake = Intake(
            now: now, deadline: StoredTime.rounded(now.addingTimeInterval(retryDeadline.timeInterval)), fences: fences, logger: logger)
        do {
            return try await transaction { connection in try await intake.batch(batch, writes: .grouped, sign: sign, connection) }
        } catch let refused as GroupedRowsRefused {
            logger.warning("the status store refused a row of a grouped intake (\(refused.reason)); taking the batch in message by message")
            return try await transaction { connection in try await intake.batch(batch, writes: .eachInASavepoint, sign: sign, connection) }
        }
    }
}

/// How an intake writes its new rows.
private enum IntakeWrites {
    /// All at the end, a statement per `Intake.groupSize` messages.
    case grouped
    /// Each message's as it comes, in a savepoint of its own.
    case eachInASavepoint
}

/// The server refused a row of a grouped insert; the transaction is aborted, nothing was stored.
private struct GroupedRowsRefused: Error {
    let reason: String
}

/// What one intake transaction knows besides its batch.
private struct Intake {
    let now: Date
    let deadline: Date
    let fences: [Address: LeaseFence]
    let logger: Logger

    /// Messages per grouped statement: each binds about 51 values (a request, its version and
    /// its event), and a statement binds at most 65,535.
    static let groupSize = 1_000

    func batch(
        _ batch: [ConsumedMessage], writes: IntakeWrites,
        sign: (BroadcastRequest, Nonce) throws -> TransactionVersion, _ connection: PostgresConnection
    ) async throws -> [IntakeResult] {
        var state = IntakeState(clock: try await StoreClock.now(connection, logger))
        state.known = try await KnownRequests.read(batch, connection, logger)
        var offsets = PartitionOffsets()
        var results: [IntakeResult] = []
        results.reserveCapacity(batch.count)
        var grouped = GroupedInsert()
        var groupedMessages = 0
        for message in batch {
            let result = try await one(message, state: &state, writes: writes, grouped: &grouped, sign: sign, connection)
            if case .new = result, writes == .grouped {
                groupedMessages += 1
                if groupedMessages == Self.groupSize {
                    try await insert(grouped, connection)
                    grouped = GroupedInsert()
                    groupedMessages = 0
                }
            }
            if case .refused = result { offsets.hold(message.position) }
            offsets.consumed(message.position)
            results.append(result)
        }
        try await insert(grouped, connection)
        try await state.nonces.save(connection, logger)
        try await state.counts.apply(connection, logger)
        try await offsets.save(connection, logger)
        return results
    }

    /// One message. What only reads (is it stored, is its original, is the lease held) runs in
    /// the transaction itself, so the lease row stays locked until the commit whatever the
    /// message becomes. A message that cannot be signed is refused before anything of it is
    /// written, its nonce not taken. Its rows are written at the end (grouped), or at once in
    /// a savepoint of its own, so that a refusal by the server leaves nothing of it behind and
    /// the rest of the batch goes on. A missing lease and failures of the store itself are
    /// thrown, and end the whole transaction.
    func one(
        _ message: ConsumedMessage, state: inout IntakeState, writes: IntakeWrites, grouped: inout GroupedInsert,
        sign: (BroadcastRequest, Nonce) throws -> TransactionVersion, _ connection: PostgresConnection
    ) async throws -> IntakeResult {
        guard var request = message.request else { return .skipped }
        switch state.known.stored(request.id) {
        case .stored(let stored):
            return .existing(stored)
        case .unreadable(let error):
            return .refused(IntakeRefusal(.storeRefused, "the status store refused request \(request.id): \(error)"))
        case nil:
            break
        }
        if let original = request.retryOf, !state.known.holds(original) {
            return .refused(IntakeRefusal(
                .unknownOriginal,
                "request \(request.id) retries request \(original), which this status store does not hold; the retry was produced against another store, or by hand"))
        }
        if !state.fenced.contains(request.from) {
            guard let fence = fences[request.from], fence.sender == request.from else {
                throw StatusStoreError(.fenced, "intake of a request from \(request.from) without the sender's lease")
            }
            try await Lease.require(fence, connection, logger, now: state.clock)
            state.fenced.insert(request.from)
        }

        var taken = state.nonces
        let nonce = try await taken.take(for: request.from, connection, logger)
        let signed: TransactionVersion
        do {
            signed = try sign(request, nonce)
        } catch {
            return .refused(IntakeRefusal(.unsignable, "request \(request.id) could not be signed: \(error)"))
        }
        // As stored, so that the request returned equals the one read back later.
        let original = TransactionVersion(
            number: signed.number, kind: signed.kind, hash: signed.hash, raw: signed.raw, fees: signed.fees,
            signedAt: StoredTime.rounded(signed.signedAt))
        request.acceptedAt = StoredTime.rounded(request.acceptedAt)
        let lifecycle = LifecycleState(id: request.id, sender: request.from, nonce: nonce, original: original, deadline: deadline)
        let rows: NewRequestRows
        do {
            rows = try NewRequestRows(request: request, lifecycle: lifecycle, source: message.position, at: now)
        } catch {
            return .refused(IntakeRefusal(.storeRefused, "the status store refused request \(request.id): \(StoreFailure.mapped(error))"))
        }
        switch writes {
        case .grouped:
            do {
                try rows.add(to: &grouped)
            } catch {
                // Some of its values may be bound already: the statement cannot be run.
                throw GroupedRowsRefused(reason: "request \(request.id): \(error)")
            }
        case .eachInASavepoint:
            try await connection.run("SAVEPOINT intake_message", logger)
            do {
                var alone = GroupedInsert()
                try rows.add(to: &alone)
                if let query = alone.query { try await connection.run(query, logger) }
                try await connection.run("RELEASE SAVEPOINT intake_message", logger)
            } catch {
                let mapped = StoreFailure.mapped(error)
                if let failure = mapped as? StatusStoreError, failure.isTransient { throw failure }
                // Also what a lost connection fails here, which ends the transaction anyway.
                try await connection.run("ROLLBACK TO SAVEPOINT intake_message", logger)
                return .refused(IntakeRefusal(.storeRefused, "the status store refused request \(request.id): \(mapped)"))
            }
        }
        let stored = StoredRequest(
            request: request, lifecycle: lifecycle, sequence: 1, createdAt: now, updatedAt: now,
            sourceTopic: message.position.topic, sourcePartition: message.position.partition)
        state.nonces = taken
        state.counts.added(rows.request.status)
        state.known.added(stored)
        return .new(stored)
    }

    /// Runs `insert`; a refusal by the server (not a transient failure) ends the transaction
    /// as `GroupedRowsRefused`, for the batch to be taken in again message by message.
    private func insert(_ insert: GroupedInsert, _ connection: PostgresConnection) async throws {
        guard let query = insert.query else { return }
        do {
            try await connection.run(query, logger)
        } catch {
            let mapped = StoreFailure.mapped(error)
            if let failure = mapped as? StatusStoreError, failure.isTransient { throw failure }
            throw GroupedRowsRefused(reason: "\(mapped)")
        }
    }
}

/// The rows a new request is stored as: the request, its signed version, its first event.
private struct NewRequestRows {
    let request: RequestRow
    let version: VersionRow
    let event: OutboxRow

    init(request: BroadcastRequest, lifecycle: LifecycleState, source: ConsumedPosition, at now: Date) throws {
        self.request = try RequestRow(request: request, state: lifecycle, sequence: 1, createdAt: now, updatedAt: now, source: source)
        version = VersionRow(lifecycle.original, of: request.id)
        event = OutboxRow(lifecycle.event(sequence: 1, at: now), now: now)
    }

    func add(to insert: inout GroupedInsert) throws {
        try insert.add(request, into: "requests")
        try insert.add(version, into: "versions")
        try insert.add(event, into: "outbox")
    }
}

/// The nonces taken so far, the leases checked so far and the requests known in one intake
/// transaction.
private struct IntakeState {
    let clock: Int64
    var nonces = SenderNonces()
    var counts = StatusCounter()
    var fenced: Set<Address> = []
    var known = KnownRequests()
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

/// The requests an intake meets that are stored already, read for the whole batch in two
/// queries, and those it stores itself as it goes: a message met twice in one batch is taken
/// once, and a retry may follow its original in the same batch.
private struct KnownRequests {
    enum Stored {
        case stored(StoredRequest)
        /// Its row is stored but does not decode; the message is refused, the batch goes on.
        case unreadable(StatusStoreError)
    }

    private var stored: [String: Stored] = [:]
    /// Ids the batch's retries name as their original that are stored.
    private var originals: Set<String> = []

    static func read(_ batch: [ConsumedMessage], _ connection: PostgresConnection, _ logger: Logger) async throws -> KnownRequests {
        var known = KnownRequests()
        let requests = batch.compactMap(\.request)
        let ids = Array(Set(requests.map(\.id.description)))
        if !ids.isEmpty {
            let rows = try await connection.all("SELECT * FROM requests WHERE id = ANY(\(ids))", logger)
            var decoded: [RequestRow] = []
            for row in rows {
                do {
                    decoded.append(try RequestRow.decode(row))
                } catch let error as StatusStoreError where error.code == .corruptRow {
                    // A row whose id does not decode either is met by its message's insert, which
                    // the unique key refuses.
                    if let id = try? row.makeRandomAccess()["id"].decode(String.self) { known.stored[id] = .unreadable(error) }
                }
            }
            let versions = try await VersionRow.versions(of: decoded.map(\.id), connection, logger)
            for row in decoded {
                do {
                    known.stored[row.id] = .stored(try row.stored(versions: versions[row.id] ?? []))
                } catch let error as StatusStoreError where error.code == .corruptRow {
                    known.stored[row.id] = .unreadable(error)
                }
            }
        }
        let named = Array(Set(requests.compactMap(\.retryOf?.description)))
        if !named.isEmpty {
            for row in try await connection.all("SELECT id FROM requests WHERE id = ANY(\(named))", logger) {
                known.originals.insert(try row.decode(String.self))
            }
        }
        return known
    }

    func stored(_ id: RequestID) -> Stored? { stored[id.description] }

    func holds(_ id: RequestID) -> Bool { originals.contains(id.description) || stored[id.description] != nil }

    mutating func added(_ request: StoredRequest) {
        stored[request.request.id.description] = .stored(request)
    }
}
