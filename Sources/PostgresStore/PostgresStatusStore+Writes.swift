import BroadcastModel
import EVMPrimitives
import Foundation
import Lifecycle
import PostgresNIO
import StatusStore

extension PostgresStatusStore {
    public func save(_ states: [LifecycleState], attempts: [BroadcastAttempt], fence: LeaseFence) async throws {
        guard !states.isEmpty || !attempts.isEmpty else { return }
        let now = StoredTime.rounded(self.now())
        try await transaction { connection in
            try await Lease.require(fence, connection, logger, now: try await StoreClock.now(connection, logger))
            var counts = StatusCounter()
            for state in states {
                guard let stored = try await connection.first("SELECT * FROM requests WHERE id = \(state.id.description) FOR UPDATE", logger) else {
                    throw StatusStoreError(.unknownRequest, "cannot store the lifecycle of request \(state.id): no such request is stored")
                }
                var row = try RequestRow.decode(stored)
                let before = try row.save(state, under: fence)
                if row.status != before {
                    counts.moved(from: before, to: row.status)
                    row.sequence += 1
                    try await Outbox.add(state.event(sequence: row.sequence, at: now), connection, logger, now: now)
                }
                row.updatedAt = StoredTime.millis(now)
                try await connection.run(try row.columns.update("requests", key: "id", equals: row.id), logger)
                let highest = try await connection.first(
                    "SELECT COALESCE(MAX(number), 0) FROM versions WHERE request_id = \(row.id)", logger)?.decode(Int64.self) ?? 0
                for version in state.versions where version.number > highest {
                    try await connection.run(try VersionRow(version, of: state.id).columns.insert(into: "versions"), logger)
                }
            }
            let saved = Set(states.map(\.id))
            for attempt in attempts {
                if !saved.contains(attempt.requestID) {
                    let from = try await connection.first(
                        "SELECT from_address FROM requests WHERE id = \(attempt.requestID.description)", logger)?.decode(String.self)
                    guard let from else {
                        throw StatusStoreError(.unknownRequest, "cannot store attempt \(attempt.number) of request \(attempt.requestID): no such request is stored")
                    }
                    guard from == fence.sender.checksummed else {
                        throw StatusStoreError(.fenced, "request \(attempt.requestID) is sent by \(from), not by \(fence.sender) whose lease this write holds")
                    }
                }
                try await connection.run(
                    try AttemptRow(attempt).columns.insert(into: "attempts", suffix: "ON CONFLICT (request_id, number) DO NOTHING"), logger)
            }
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
