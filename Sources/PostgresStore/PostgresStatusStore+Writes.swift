import BroadcastModel
import EVMPrimitives
import Foundation
import Lifecycle
import PostgresNIO
import StatusStore

extension PostgresStatusStore {
    /// One transaction for every lane's changes, and a handful of statements however many
    /// requests changed: the leases are checked in one query, the rows read and locked in
    /// another (in id order, as every writer locks them), the new versions' numbers in a
    /// third, and everything written in grouped statements (rows, versions, events and
    /// attempts together). Each element is checked whole before anything is written, so a
    /// fenced one leaves nothing behind.
    public func save(_ changes: [LifecycleChanges]) async throws -> [LifecycleSaveOutcome] {
        guard changes.contains(where: { !$0.isEmpty }) else { return changes.map { _ in .saved } }
        let now = StoredTime.rounded(self.now())
        return try await transaction { connection in
            let storeNow = try await StoreClock.now(connection, logger)
            let refused = try await Lease.refusals(of: changes.map(\.fence), connection, logger, now: storeNow)
            let ids = Set(changes.lazy.filter { refused[$0.fence] == nil }.flatMap { $0.states.map(\.id.description) }).sorted()
            var stored: [String: RequestRow] = [:]
            var highest: [String: Int64] = [:]
            if !ids.isEmpty {
                for found in try await connection.all("SELECT * FROM requests WHERE id = ANY(\(ids)) ORDER BY id FOR UPDATE", logger) {
                    let row = try RequestRow.decode(found)
                    stored[row.id] = row
                }
                for found in try await connection.all(
                    "SELECT request_id, MAX(number) FROM versions WHERE request_id = ANY(\(ids)) GROUP BY request_id", logger)
                {
                    let (id, number) = try found.decode((String, Int64).self)
                    highest[id] = number
                }
            }
            let attempted = Set(changes.lazy.filter { refused[$0.fence] == nil }.flatMap { $0.attempts.map(\.requestID.description) })
            let others = attempted.subtracting(stored.keys).sorted()
            var senders: [String: String] = [:]
            if !others.isEmpty {
                for found in try await connection.all("SELECT id, from_address FROM requests WHERE id = ANY(\(others))", logger) {
                    let (id, from) = try found.decode((String, String).self)
                    senders[id] = from
                }
            }

            var outcomes: [LifecycleSaveOutcome] = []
            var counts = StatusCounter()
            var writes = GroupedStatements()
            var failedSends = Set<String>()
            var written = Set<String>()
            for element in changes {
                if let refusal = refused[element.fence] {
                    outcomes.append(.fenced(refusal))
                    continue
                }
                let planned: PlannedSave
                do {
                    planned = try PlannedSave(element, stored: stored, senders: senders, highest: highest, now: now)
                } catch let error as StatusStoreError where error.code == .fenced {
                    outcomes.append(.fenced(error))
                    continue
                }
                outcomes.append(.saved)
                for (before, after) in planned.moves { counts.moved(from: before, to: after) }
                // A statement upserts a row once: a request saved again by a later element
                // goes into the next statement, and that element plans from this one's rows.
                if planned.rows.contains(where: { written.contains($0.row.id) }) {
                    try await writes.flush(connection, logger)
                    written.removeAll()
                }
                for unit in planned.rows {
                    stored[unit.row.id] = unit.row
                    written.insert(unit.row.id)
                    for version in unit.versions { highest[version.requestID] = max(highest[version.requestID] ?? 0, Int64(version.number)) }
                    try await writes.add(connection, logger) { insert in
                        try insert.add(unit.row, into: "requests", onConflict: .overwrite(key: "id"))
                        for version in unit.versions { try insert.add(version, into: "versions") }
                        if let event = unit.event { try insert.add(event, into: "outbox") }
                    }
                }
                for attempt in element.attempts {
                    try await writes.add(connection, logger) { insert in
                        try insert.add(AttemptRow(attempt), into: "attempts", onConflict: .keep(target: "(request_id, number)"))
                    }
                }
                failedSends.formUnion(element.attempts.lazy.filter { $0.outcome != .accepted }.map(\.requestID.description))
            }
            try await writes.flush(connection, logger)
            try await LastErrorClass.refresh(failedSends, connection, logger)
            try await counts.apply(connection, logger)
            return outcomes
        }
    }

    public func acquireLease(sender: Address, owner: String, length: Duration) async throws -> LeaseAcquisition {
        try await transaction { connection in try await Lease.acquire(sender: sender, owner: owner, length: length, connection, logger) }
    }

    /// A transaction per lease: the server takes concurrent writers, and one transaction
    /// locking many lease rows could meet an intake that share-locks them in another order.
    public func renewLeases(_ fences: [LeaseFence], length: Duration) async throws -> [LeaseFence?] {
        var renewed: [LeaseFence?] = []
        for fence in fences {
            renewed.append(try await transaction { connection in try await Lease.renew(fence, length: length, connection, logger) })
        }
        return renewed
    }

    public func releaseLease(_ fence: LeaseFence) async throws {
        try await transaction { connection in try await Lease.release(fence, connection, logger) }
    }

    public func reconcileNonce(_ fence: LeaseFence, chainPending: Nonce) async throws -> Nonce {
        try await transaction { connection in
            try await Lease.require(fence, connection, logger, now: try await StoreClock.now(connection, logger))
            // Locked first, so that no intake of the sender is between reading its nonces and committing.
            _ = try await SenderNonces.locked(fence.sender, connection, logger)
            let highest = try await connection.first(
                "SELECT MAX(nonce) FROM requests WHERE from_address = \(fence.sender.checksummed)", logger)?.decode(Int64?.self)
            let held = try highest.map { value -> Nonce in
                guard let nonce = UInt64(exactly: value), nonce < UInt64.max else {
                    throw StatusStoreError(.corruptRow, "a stored nonce of \(fence.sender) is \(value)")
                }
                return Nonce(nonce + 1)
            }
            let next = max(chainPending, held ?? Nonce(0))
            try await SenderNonces.set(fence.sender, next, connection, logger)
            return next
        }
    }

    public func claimOutbox(owner: String, limit: Int, holdFor: Duration) async throws -> [OutboxEntry] {
        try await transaction { connection in try await Outbox.claim(owner: owner, limit: limit, hold: holdFor, connection, logger) }
    }

    public func acknowledgeOutbox(_ sequences: [Int64]) async throws {
        guard !sequences.isEmpty else { return }
        try await transaction { connection in
            try await connection.run("DELETE FROM outbox WHERE sequence = ANY(\(sequences))", logger)
        }
    }

    public func saveChainHead(_ head: BlockNumber) async throws {
        let number = try storedInteger(head.value, "chain head")
        let now = StoredTime.millis(self.now())
        try await transaction { connection in
            try await connection.run(
                """
                INSERT INTO chain_head (id, number, seen_at) VALUES (1, \(number), \(now))
                ON CONFLICT (id) DO UPDATE SET number = excluded.number, seen_at = excluded.seen_at
                """, logger)
        }
    }
}

/// What one element of a save writes, worked out from the rows as read before anything is
/// written; throws `.fenced` when a request is not the fence's sender's.
private struct PlannedSave {
    /// A request's row, its new versions and its event: what one grouped statement takes whole.
    struct Unit {
        var row: RequestRow
        var versions: [VersionRow]
        var event: OutboxRow?
    }

    var rows: [Unit] = []
    var moves: [(String, String)] = []

    init(_ changes: LifecycleChanges, stored: [String: RequestRow], senders: [String: String], highest: [String: Int64], now: Date) throws {
        let fence = changes.fence
        // A request's row is written once a statement: should one come twice, its last state counts.
        var seen = Set<String>()
        let states = changes.states.reversed().filter { seen.insert($0.id.description).inserted }.reversed()
        for state in states {
            guard var row = stored[state.id.description] else {
                throw StatusStoreError(.unknownRequest, "cannot store the lifecycle of request \(state.id): no such request is stored")
            }
            let before = try row.save(state, under: fence)
            var event: OutboxRow?
            if row.status != before {
                moves.append((before, row.status))
                row.sequence += 1
                event = OutboxRow(state.event(sequence: row.sequence, at: now), now: now)
            }
            row.updatedAt = StoredTime.millis(now)
            let known = highest[row.id] ?? 0
            let versions = state.versions.filter { $0.number > known }.map { VersionRow($0, of: state.id) }
            rows.append(Unit(row: row, versions: versions, event: event))
        }
        for attempt in changes.attempts {
            let id = attempt.requestID.description
            guard !seen.contains(id) else { continue }
            guard let from = stored[id]?.fromAddress ?? senders[id] else {
                throw StatusStoreError(.unknownRequest, "cannot store attempt \(attempt.number) of request \(attempt.requestID): no such request is stored")
            }
            guard from == fence.sender.checksummed else {
                throw StatusStoreError(.fenced, "request \(attempt.requestID) is sent by \(from), not by \(fence.sender) whose lease this write holds")
            }
        }
    }
}
