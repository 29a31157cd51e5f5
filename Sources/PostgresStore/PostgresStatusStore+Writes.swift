import BroadcastModel
import EVMPrimitives
import Foundation
import Lifecycle
import PostgresNIO
import StatusStore

extension PostgresStatusStore {
    /// One transaction, and a handful of statements however many requests changed: their rows
    /// are read and locked in one query (in id order, as every writer locks them), the new
    /// versions' numbers in another, and everything written in grouped statements (rows,
    /// versions, events and attempts together). Each statement used to be per request, and
    /// their round trips were most of what a worker and the server spent on a transaction.
    public func save(_ states: [LifecycleState], attempts: [BroadcastAttempt], fence: LeaseFence) async throws {
        guard !states.isEmpty || !attempts.isEmpty else { return }
        let now = StoredTime.rounded(self.now())
        try await transaction { connection in
            try await Lease.require(fence, connection, logger, now: try await StoreClock.now(connection, logger))
            // A request's row is written once a statement: should one come twice, its last state counts.
            var seen = Set<String>()
            let states = states.reversed().filter { seen.insert($0.id.description).inserted }.reversed()
            let ids = seen.sorted()
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

            var counts = StatusCounter()
            var writes = GroupedStatements()
            for state in states {
                guard var row = stored[state.id.description] else {
                    throw StatusStoreError(.unknownRequest, "cannot store the lifecycle of request \(state.id): no such request is stored")
                }
                let before = try row.save(state, under: fence)
                var event: OutboxRow?
                if row.status != before {
                    counts.moved(from: before, to: row.status)
                    row.sequence += 1
                    event = try OutboxRow(state.event(sequence: row.sequence, at: now), now: now)
                }
                row.updatedAt = StoredTime.millis(now)
                let known = highest[row.id] ?? 0
                let versions = state.versions.filter { $0.number > known }.map { VersionRow($0, of: state.id) }
                try await writes.add(connection, logger) { insert in
                    try insert.add(row, into: "requests", onConflict: .overwrite(key: "id"))
                    for version in versions { try insert.add(version, into: "versions") }
                    if let event { try insert.add(event, into: "outbox") }
                }
            }

            let others = Set(attempts.map(\.requestID.description)).subtracting(seen).sorted()
            var senders: [String: String] = [:]
            if !others.isEmpty {
                for found in try await connection.all("SELECT id, from_address FROM requests WHERE id = ANY(\(others))", logger) {
                    let (id, from) = try found.decode((String, String).self)
                    senders[id] = from
                }
            }
            for attempt in attempts {
                let id = attempt.requestID.description
                if stored[id] == nil {
                    guard let from = senders[id] else {
                        throw StatusStoreError(.unknownRequest, "cannot store attempt \(attempt.number) of request \(attempt.requestID): no such request is stored")
                    }
                    guard from == fence.sender.checksummed else {
                        throw StatusStoreError(.fenced, "request \(attempt.requestID) is sent by \(from), not by \(fence.sender) whose lease this write holds")
                    }
                }
                try await writes.add(connection, logger) { insert in
                    try insert.add(AttemptRow(attempt), into: "attempts", onConflict: .keep(target: "(request_id, number)"))
                }
            }
            try await writes.flush(connection, logger)
            try await LastErrorClass.refresh(Set(attempts.lazy.filter { $0.outcome != .accepted }.map(\.requestID.description)), connection, logger)
            try await counts.apply(connection, logger)
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
