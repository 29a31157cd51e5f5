import BroadcastModel
import EVMPrimitives
import Foundation
import GRDB
import Lifecycle
import StatusStore

extension SQLiteStatusStore {
    /// One write transaction for every lane's changes: a transaction each was most of what the
    /// workers' saves cost, and the workers of a host take turns at one write lock. Each
    /// element is written in a savepoint, so a fenced one leaves nothing behind.
    public func save(_ changes: [LifecycleChanges]) async throws -> [LifecycleSaveOutcome] {
        guard changes.contains(where: { !$0.isEmpty }) else { return changes.map { _ in .saved } }
        let now = StoredTime.rounded(self.now())
        // A lifecycle change lost to power loss is redone from the stored state: the same
        // bytes are sent again, or a version signed again at the same nonce (whichever lands
        // settles the request). New versions and final statuses commit durably.
        let durable = changes.contains(where: \.needsDurability)
        return try await write(durable ? .durable : .relaxed) { db in
            let storeNow = try StoreClock.now(db)
            var outcomes: [LifecycleSaveOutcome] = []
            var failedSends = Set<String>()
            for element in changes {
                do {
                    try db.inSavepoint {
                        try Self.save(element, db, now: now, storeNow: storeNow)
                        return .commit
                    }
                    outcomes.append(.saved)
                    failedSends.formUnion(element.attempts.lazy.filter { $0.outcome != .accepted }.map(\.requestID.description))
                } catch let error as StatusStoreError where error.code == .fenced {
                    outcomes.append(.fenced(error))
                }
            }
            try LastErrorClass.refresh(failedSends, db)
            return outcomes
        }
    }

    private static func save(_ changes: LifecycleChanges, _ db: Database, now: Date, storeNow: Int64) throws {
        let fence = changes.fence
        try Lease.require(fence, db, now: storeNow)
        for state in changes.states {
            guard var row = try RequestRow.stored(state.id.description, db) else {
                throw StatusStoreError(.unknownRequest, "cannot store the lifecycle of request \(state.id): no such request is stored")
            }
            let stored = row
            let before = try row.save(state, under: fence)
            if row.status != before {
                try StatusCounter.moved(from: before, to: row.status, db)
                row.sequence += 1
                try Outbox.add(state.event(sequence: row.sequence, at: now), db, now: now)
            }
            row.updatedAt = StoredTime.millis(now)
            // Only the columns that moved: the table has fifteen indexes, and writing every
            // column rewrote an entry in each of them for every change of a lane.
            try row.updateChanges(db, from: stored)
            let storedVersions = try Int.fetchOne(
                db.cachedStatement(sql: "SELECT COALESCE(MAX(number), 0) FROM versions WHERE request_id = ?"), arguments: [row.id]) ?? 0
            for version in state.versions where version.number > storedVersions {
                try VersionRow(version, of: state.id).insert(db)
            }
        }
        let saved = Set(changes.states.map(\.id))
        for attempt in changes.attempts {
            if !saved.contains(attempt.requestID) {
                let from = try String.fetchOne(
                    db.cachedStatement(sql: "SELECT from_address FROM requests WHERE id = ?"), arguments: [attempt.requestID.description])
                guard let from else {
                    throw StatusStoreError(.unknownRequest, "cannot store attempt \(attempt.number) of request \(attempt.requestID): no such request is stored")
                }
                guard from == fence.sender.checksummed else {
                    throw StatusStoreError(.fenced, "request \(attempt.requestID) is sent by \(from), not by \(fence.sender) whose lease this write holds")
                }
            }
            try AttemptRow(attempt).insert(db, onConflict: .ignore)
        }
    }

    public func acquireLease(sender: Address, owner: String, length: Duration) async throws -> LeaseAcquisition {
        try await write(.durable) { db in try Lease.acquire(sender: sender, owner: owner, length: length, db) }
    }

    public func renewLeases(_ fences: [LeaseFence], length: Duration) async throws -> [LeaseFence?] {
        guard !fences.isEmpty else { return [] }
        return try await write(.relaxed) { db in try fences.map { try Lease.renew($0, length: length, db) } }
    }

    public func releaseLease(_ fence: LeaseFence) async throws {
        try await write(.relaxed) { db in try Lease.release(fence, db) }
    }

    public func reconcileNonce(_ fence: LeaseFence, chainPending: Nonce) async throws -> Nonce {
        // Durable: a next nonce rewound by power loss would sign a new request with a nonce in use.
        try await write(.durable) { db in
            try Lease.require(fence, db, now: try StoreClock.now(db))
            let highest = try Int64.fetchOne(
                db, sql: "SELECT MAX(nonce) FROM requests WHERE from_address = ?", arguments: [fence.sender.checksummed])
            let held = try highest.map { value -> Nonce in
                guard let nonce = UInt64(exactly: value), nonce < UInt64.max else {
                    throw StatusStoreError(.corruptRow, "a stored nonce of \(fence.sender) is \(value)")
                }
                return Nonce(nonce + 1)
            }
            let next = max(chainPending, held ?? Nonce(0))
            try SenderNonces.set(fence.sender, next, db)
            return next
        }
    }

    public func claimOutbox(owner: String, limit: Int, holdFor: Duration) async throws -> [OutboxEntry] {
        try await write(.relaxed) { db in try Outbox.claim(owner: owner, limit: limit, hold: holdFor, db) }
    }

    public func acknowledgeOutbox(_ sequences: [Int64]) async throws {
        guard !sequences.isEmpty else { return }
        try await write(.relaxed) { db in
            for chunk in stride(from: 0, to: sequences.count, by: 500).map({ Array(sequences[$0..<min($0 + 500, sequences.count)]) }) {
                let placeholders = Array(repeating: "?", count: chunk.count).joined(separator: ", ")
                try db.execute(sql: "DELETE FROM outbox WHERE sequence IN (\(placeholders))", arguments: StatementArguments(chunk))
            }
        }
    }

    public func saveChainHead(_ head: BlockNumber) async throws {
        let number = try storedInteger(head.value, "chain head")
        let now = StoredTime.millis(self.now())
        try await write(.relaxed) { db in
            try db.execute(
                sql: """
                    INSERT INTO chain_head (id, number, seen_at) VALUES (1, ?, ?)
                    ON CONFLICT (id) DO UPDATE SET number = excluded.number, seen_at = excluded.seen_at
                    """,
                arguments: [number, now])
        }
    }
}
