import BroadcastModel
import EVMPrimitives
import Foundation
import GRDB

extension SQLiteStatusStore {
    /// Stores the attempt and moves the request to `status`. A request already `broadcast` or
    /// `failed` keeps its status: recording a different one is refused. `nextAttemptAt` is kept
    /// only while `retrying`; the last error is the attempt's (nil after a success).
    public func recordAttempt(
        _ attempt: BroadcastAttempt, status: TransactionStatus, nextAttemptAt: Date?
    ) async throws -> TransactionRecord {
        let now = StoredTime.rounded(self.now())
        // Lost to power loss, an attempt is made again with the same signed bytes, as after a
        // crash between sending and recording.
        return try await write(.relaxed) { db in
            let id = attempt.requestID
            guard let row = try RequestRow.fetchOne(db, key: id.description) else {
                throw StatusStoreError(.unknownRequest, "cannot record attempt \(attempt.number) of request \(id): no such request is stored")
            }
            var record = try row.record()
            if record.status.isFinal && status != record.status {
                throw StatusStoreError(
                    .finalStatus,
                    "request \(id) is already \(record.status.rawValue), a final status; attempt \(attempt.number) cannot move it to \(status.rawValue)")
            }
            do {
                try AttemptRow(attempt).insert(db)
            } catch let error as DatabaseError where error.extendedResultCode == .SQLITE_CONSTRAINT_PRIMARYKEY {
                throw StatusStoreError(.duplicateAttempt, "attempt \(attempt.number) of request \(id) is already stored")
            }
            record.status = status
            record.attempts += 1
            record.nextAttemptAt = status == .retrying ? nextAttemptAt.map(StoredTime.rounded) : nil
            record.lastError = attempt.error
            record.updatedAt = now
            try RequestRow(record, sourceTopic: row.sourceTopic, sourcePartition: row.sourcePartition).update(db)
            return record
        }
    }

    public func reconcileNonce(sender: Address, chainNext: Nonce) async throws {
        let next = try storedInteger(chainNext.value, "chain nonce of \(sender)")
        // Durable: a rewound next nonce would sign new requests with nonces already used.
        try await write(.durable) { db in
            try db.execute(
                sql: """
                    INSERT INTO sender_nonces (address, next_nonce) VALUES (?, ?)
                    ON CONFLICT (address) DO UPDATE SET next_nonce = excluded.next_nonce
                    WHERE excluded.next_nonce > sender_nonces.next_nonce
                    """,
                arguments: [sender.checksummed, next])
        }
    }
}
