import BroadcastModel
import EVMPrimitives
import Foundation
import GRDB
import StatusStore

/// The `sender_leases` rows: one owner per sender, fenced by epoch, expiring by the store's clock.
enum Lease {
    /// Throws `.fenced` unless `fence` still holds the sender at `now` (store clock, ms).
    static func require(_ fence: LeaseFence, _ db: Database, now: Int64) throws {
        let row = try Row.fetchOne(
            db.cachedStatement(sql: "SELECT owner, epoch, expires_at FROM sender_leases WHERE sender = ?"), arguments: [fence.sender.checksummed])
        guard let row, row["owner"] as String == fence.owner, row["epoch"] as Int64 == fence.epoch, row["expires_at"] as Int64 > now else {
            throw StatusStoreError(
                .fenced,
                "\(fence.owner) no longer holds the lease of \(fence.sender) at epoch \(fence.epoch); another worker took the sender over, so this write is refused")
        }
    }

    static func acquire(sender: Address, owner: String, length: Duration, _ db: Database) throws -> LeaseAcquisition {
        let now = try StoreClock.now(db)
        let expires = now + length.wholeMilliseconds
        let key = sender.checksummed
        let row = try Row.fetchOne(db, sql: "SELECT owner, epoch, expires_at FROM sender_leases WHERE sender = ?", arguments: [key])
        guard let row else {
            try db.execute(
                sql: "INSERT INTO sender_leases (sender, owner, epoch, expires_at) VALUES (?, ?, 1, ?)", arguments: [key, owner, expires])
            return .acquired(LeaseFence(sender: sender, owner: owner, epoch: 1, expiresAt: StoredTime.date(expires)))
        }
        let holder: String = row["owner"]
        let epoch: Int64 = row["epoch"]
        let expiresAt: Int64 = row["expires_at"]
        let held = expiresAt > now
        if held && holder != owner { return .heldElsewhere(owner: holder, until: StoredTime.date(expiresAt)) }
        let next = held ? epoch : epoch + 1
        try db.execute(
            sql: "UPDATE sender_leases SET owner = ?, epoch = ?, expires_at = ? WHERE sender = ?", arguments: [owner, next, expires, key])
        return .acquired(LeaseFence(sender: sender, owner: owner, epoch: next, expiresAt: StoredTime.date(expires)))
    }

    static func renew(_ fence: LeaseFence, length: Duration, _ db: Database) throws -> LeaseFence? {
        let now = try StoreClock.now(db)
        let expires = now + length.wholeMilliseconds
        try db.cachedStatement(sql: "UPDATE sender_leases SET expires_at = ? WHERE sender = ? AND owner = ? AND epoch = ? AND expires_at > ?")
            .execute(arguments: [expires, fence.sender.checksummed, fence.owner, fence.epoch, now])
        guard db.changesCount == 1 else { return nil }
        return LeaseFence(sender: fence.sender, owner: fence.owner, epoch: fence.epoch, expiresAt: StoredTime.date(expires))
    }

    static func release(_ fence: LeaseFence, _ db: Database) throws {
        try db.execute(
            sql: "UPDATE sender_leases SET expires_at = 0 WHERE sender = ? AND owner = ? AND epoch = ?",
            arguments: [fence.sender.checksummed, fence.owner, fence.epoch])
    }
}

/// The results outbox: events written with the change they announce, removed once published.
enum Outbox {
    static func add(_ event: StatusEvent, _ db: Database, now: Date) throws {
        try db.execute(
            sql: "INSERT INTO outbox (request_id, payload, created_at) VALUES (?, ?, ?)",
            arguments: [event.id.description, Data(event.topicBytes), StoredTime.millis(now)])
    }

    /// Up to `limit` events for `owner`, oldest first, skipping requests whose events another
    /// publisher holds; they are held for `hold` from now.
    ///
    /// A held request is skipped in the query itself, before the limit: a publisher holding a
    /// request with many events must not leave another with an empty claim while other
    /// requests' events wait.
    static func claim(owner: String, limit: Int, hold: Duration, _ db: Database) throws -> [OutboxEntry] {
        let now = try StoreClock.now(db)
        let rows = try Row.fetchAll(
            db,
            sql: """
                SELECT o.sequence, o.request_id, o.payload FROM outbox o
                WHERE (o.claimed_by IS NULL OR o.claimed_by = ? OR o.claimed_until <= ?)
                AND NOT EXISTS (
                    SELECT 1 FROM outbox h
                    WHERE h.request_id = o.request_id AND h.claimed_by IS NOT NULL AND h.claimed_by != ? AND h.claimed_until > ?)
                ORDER BY o.sequence LIMIT ?
                """,
            arguments: [owner, now, owner, now, max(1, limit)])
        let decoder = TopicCoding.decoder()
        var entries: [OutboxEntry] = []
        for row in rows {
            let sequence: Int64 = row["sequence"]
            let payload: Data = row["payload"]
            guard let event = try? decoder.decode(StatusEvent.self, from: payload) else {
                throw StatusStoreError(.corruptRow, "outbox event \(sequence) does not decode; the status store was edited or written by a broken build")
            }
            entries.append(OutboxEntry(sequence: sequence, event: event))
        }
        for chunk in stride(from: 0, to: entries.count, by: 500).map({ Array(entries[$0..<min($0 + 500, entries.count)]) }) {
            let placeholders = Array(repeating: "?", count: chunk.count).joined(separator: ", ")
            var arguments: StatementArguments = [owner, now + hold.wholeMilliseconds]
            arguments += StatementArguments(chunk.map(\.sequence))
            try db.execute(sql: "UPDATE outbox SET claimed_by = ?, claimed_until = ? WHERE sequence IN (\(placeholders))", arguments: arguments)
        }
        return entries
    }
}
