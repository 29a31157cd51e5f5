import BroadcastModel
import EVMPrimitives
import Foundation
import Logging
import PostgresNIO
import StatusStore

/// The `sender_leases` rows: one owner per sender, fenced by epoch, expiring by the
/// database's clock.
enum Lease {
    /// Throws `.fenced` unless `fence` still holds the sender at `now` (database clock, ms).
    /// The lease row stays share-locked until the transaction ends, so no other owner takes
    /// the lease over (an `UPDATE` of the row) before this write commits.
    static func require(_ fence: LeaseFence, _ connection: PostgresConnection, _ logger: Logger, now: Int64) async throws {
        let row = try await connection.first(
            "SELECT owner, epoch, expires_at FROM sender_leases WHERE sender = \(fence.sender.checksummed) FOR SHARE", logger)
        let held = try row.map { try $0.decode((String, Int64, Int64).self) }
        guard let held, held.0 == fence.owner, held.1 == fence.epoch, held.2 > now else { throw refusal(of: fence) }
    }

    /// ``require(_:_:_:now:)`` for many fences in one query: the ones that do not hold their
    /// sender at `now`, each with its refusal. The rows are share-locked in sender order.
    static func refusals(of fences: [LeaseFence], _ connection: PostgresConnection, _ logger: Logger, now: Int64) async throws -> [LeaseFence: StatusStoreError] {
        let senders = Set(fences.map(\.sender.checksummed)).sorted()
        var held: [String: (owner: String, epoch: Int64, expiresAt: Int64)] = [:]
        for row in try await connection.all(
            "SELECT sender, owner, epoch, expires_at FROM sender_leases WHERE sender = ANY(\(senders)) ORDER BY sender FOR SHARE", logger)
        {
            let (sender, owner, epoch, expiresAt) = try row.decode((String, String, Int64, Int64).self)
            held[sender] = (owner, epoch, expiresAt)
        }
        var refused: [LeaseFence: StatusStoreError] = [:]
        for fence in fences {
            let holds = held[fence.sender.checksummed].map { $0.owner == fence.owner && $0.epoch == fence.epoch && $0.expiresAt > now } ?? false
            if !holds { refused[fence] = refusal(of: fence) }
        }
        return refused
    }

    private static func refusal(of fence: LeaseFence) -> StatusStoreError {
        StatusStoreError(
            .fenced,
            "\(fence.owner) no longer holds the lease of \(fence.sender) at epoch \(fence.epoch); another worker took the sender over, so this write is refused")
    }

    static func acquire(sender: Address, owner: String, length: Duration, _ connection: PostgresConnection, _ logger: Logger) async throws -> LeaseAcquisition {
        let key = sender.checksummed
        let milliseconds = length.wholeMilliseconds
        // A sender's first lease is a new row; of two hosts inserting it together, the second
        // waits for the first's commit, then finds the row and decides below.
        if let row = try await connection.first(
            """
            INSERT INTO sender_leases (sender, owner, epoch, expires_at) VALUES (\(key), \(owner), 1, \(unescaped: StoreClock.sql) + \(milliseconds))
            ON CONFLICT (sender) DO NOTHING RETURNING expires_at
            """, logger)
        {
            let expires = try row.decode(Int64.self)
            return .acquired(LeaseFence(sender: sender, owner: owner, epoch: 1, expiresAt: StoredTime.date(expires)))
        }
        guard let row = try await connection.first(
            "SELECT owner, epoch, expires_at, \(unescaped: StoreClock.sql) FROM sender_leases WHERE sender = \(key) FOR UPDATE", logger)
        else {
            throw StatusStoreError(.corruptRow, "the lease of \(sender) vanished while it was locked; the status store was edited by hand")
        }
        let (holder, epoch, expiresAt, now) = try row.decode((String, Int64, Int64, Int64).self)
        let expires = now + milliseconds
        let held = expiresAt > now
        if held && holder != owner { return .heldElsewhere(owner: holder, until: StoredTime.date(expiresAt)) }
        let next = held ? epoch : epoch + 1
        try await connection.run(
            "UPDATE sender_leases SET owner = \(owner), epoch = \(next), expires_at = \(expires) WHERE sender = \(key)", logger)
        return .acquired(LeaseFence(sender: sender, owner: owner, epoch: next, expiresAt: StoredTime.date(expires)))
    }

    static func renew(_ fence: LeaseFence, length: Duration, _ connection: PostgresConnection, _ logger: Logger) async throws -> LeaseFence? {
        let milliseconds = length.wholeMilliseconds
        let row = try await connection.first(
            """
            UPDATE sender_leases SET expires_at = \(unescaped: StoreClock.sql) + \(milliseconds)
            WHERE sender = \(fence.sender.checksummed) AND owner = \(fence.owner) AND epoch = \(fence.epoch)
            AND expires_at > \(unescaped: StoreClock.sql)
            RETURNING expires_at
            """, logger)
        guard let row else { return nil }
        let expires = try row.decode(Int64.self)
        return LeaseFence(sender: fence.sender, owner: fence.owner, epoch: fence.epoch, expiresAt: StoredTime.date(expires))
    }

    static func release(_ fence: LeaseFence, _ connection: PostgresConnection, _ logger: Logger) async throws {
        try await connection.run(
            """
            UPDATE sender_leases SET expires_at = 0
            WHERE sender = \(fence.sender.checksummed) AND owner = \(fence.owner) AND epoch = \(fence.epoch)
            """, logger)
    }
}

/// One event of the outbox as inserted (its sequence is the database's).
struct OutboxRow: ColumnListing {
    let requestID: String
    let payload: Data
    let createdAt: Int64

    init(_ event: StatusEvent, now: Date) {
        requestID = event.id.description
        payload = Data(event.topicBytes)
        createdAt = StoredTime.millis(now)
    }

    func addColumns<Sink: ColumnSink>(to sink: inout Sink) throws {
        try sink.add("request_id", requestID)
        try sink.add("payload", payload)
        try sink.add("created_at", createdAt)
    }
}

/// The results outbox: events written with the change they announce, removed once published.
enum Outbox {
    /// Up to `limit` events for `owner`, oldest first, skipping requests whose events another
    /// publisher holds; they are held for `hold` from now.
    ///
    /// The rows are locked `FOR UPDATE SKIP LOCKED`: publishers on several hosts claiming at
    /// once each take other events instead of waiting for, or double-claiming, each other's.
    /// A request whose events another claim is taking right now (some of its rows locked) is
    /// skipped whole, so that its events stay with one publisher, in order.
    static func claim(owner: String, limit: Int, hold: Duration, _ connection: PostgresConnection, _ logger: Logger) async throws -> [OutboxEntry] {
        let now = try await StoreClock.now(connection, logger)
        let limit = Int64(max(1, limit))
        let rows = try await connection.all(
            """
            SELECT o.sequence, o.request_id, o.payload FROM outbox o
            WHERE (o.claimed_by IS NULL OR o.claimed_by = \(owner) OR o.claimed_until <= \(now))
            AND NOT EXISTS (
                SELECT 1 FROM outbox h
                WHERE h.request_id = o.request_id AND h.claimed_by IS NOT NULL AND h.claimed_by <> \(owner) AND h.claimed_until > \(now))
            ORDER BY o.sequence LIMIT \(limit)
            FOR UPDATE OF o SKIP LOCKED
            """, logger)
        let decoder = TopicCoding.decoder()
        var entries: [OutboxEntry] = []
        var requests: Set<String> = []
        for row in rows {
            let (sequence, request, payload) = try row.decode((Int64, String, Data).self)
            guard let event = try? decoder.decode(StatusEvent.self, from: payload) else {
                throw StatusStoreError(.corruptRow, "outbox event \(sequence) does not decode; the status store was edited or written by a broken build")
            }
            entries.append(OutboxEntry(sequence: sequence, event: event))
            requests.insert(request)
        }
        // An earlier event of a claimed request locked by another claim was skipped: leave the
        // request's later events too, or they would be published before it.
        if !requests.isEmpty {
            let first = entries.first?.sequence ?? 0
            let skipped = try await connection.all(
                """
                SELECT DISTINCT o.request_id FROM outbox o
                WHERE o.request_id = ANY(\(Array(requests))) AND o.sequence < \(entries.last?.sequence ?? first)
                AND NOT (o.sequence = ANY(\(entries.map(\.sequence))))
                """, logger)
            let blocked = Set(try skipped.map { try $0.decode(String.self) })
            if !blocked.isEmpty {
                entries.removeAll { blocked.contains($0.event.id.description) }
            }
        }
        guard !entries.isEmpty else { return [] }
        try await connection.run(
            "UPDATE outbox SET claimed_by = \(owner), claimed_until = \(now + hold.wholeMilliseconds) WHERE sequence = ANY(\(entries.map(\.sequence)))",
            logger)
        return entries
    }
}

/// The `status_counts` table: how many requests are in each status, changed by the same
/// transaction as the rows, so the overview reads a dozen rows instead of counting a million.
///
/// A transaction collects its changes and applies them once, just before it commits, in
/// status order: the counter rows are the one thing every intake and save on every host
/// writes, so they are locked as late and as briefly as possible, and always in one order.
struct StatusCounter {
    private var deltas: [String: Int64] = [:]

    /// A request stored in `status`.
    mutating func added(_ status: String) {
        deltas[status, default: 0] += 1
    }

    /// A stored request moved from `old` to `new`.
    mutating func moved(from old: String, to new: String) {
        guard old != new else { return }
        deltas[old, default: 0] -= 1
        deltas[new, default: 0] += 1
    }

    func apply(_ connection: PostgresConnection, _ logger: Logger) async throws {
        for (status, delta) in deltas.sorted(by: { $0.key < $1.key }) where delta != 0 {
            if delta > 0 {
                try await connection.run(
                    """
                    INSERT INTO status_counts (status, count) VALUES (\(status), \(delta))
                    ON CONFLICT (status) DO UPDATE SET count = status_counts.count + excluded.count
                    """, logger)
            } else {
                let row = try await connection.first(
                    "UPDATE status_counts SET count = count + \(delta) WHERE status = \(status) AND count >= \(-delta) RETURNING count",
                    logger)
                guard row != nil else {
                    throw StatusStoreError(
                        .corruptRow,
                        "fewer requests are counted as \(status) than are stored so; status_counts was edited by hand. Rebuild it from the requests (SELECT status, count(*) FROM requests GROUP BY status)")
                }
            }
        }
    }
}

/// The `last_error_class` column: the outcome of a request's latest attempt that no node took,
/// kept on the row so the admin list shows it without reading attempts.
enum LastErrorClass {
    /// Recomputes the column for `ids`, whose attempts just changed.
    static func refresh(_ ids: Set<String>, _ connection: PostgresConnection, _ logger: Logger) async throws {
        guard !ids.isEmpty else { return }
        try await connection.run(
            """
            UPDATE requests SET last_error_class = (
                SELECT a.outcome FROM attempts a WHERE a.request_id = requests.id AND a.outcome <> 'accepted'
                ORDER BY a.number DESC LIMIT 1)
            WHERE id = ANY(\(ids.sorted()))
            """, logger)
    }
}
