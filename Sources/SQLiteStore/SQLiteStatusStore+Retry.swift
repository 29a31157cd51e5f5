import BroadcastModel
import Foundation
import GRDB
import StatusStore

extension SQLiteStatusStore {
    public func markRetried(original: RequestID, as retry: RequestID, audit: AuditEntry?) async throws -> RetryLink {
        guard original != retry else {
            throw StatusStoreError(.notRetryable, "request \(original) cannot be its own retry; the retry needs a new request id")
        }
        if let audit { try audit.check() }
        let now = StoredTime.millis(self.now())
        // Durable: a link lost to power loss would let a second retry of the same request through.
        return try await write(.durable) { db in
            do {
                try db.execute(
                    sql: "UPDATE requests SET retried_as = ? WHERE id = ? AND retried_as IS NULL AND status IN ('failed', 'reverted')",
                    arguments: [retry.description, original.description])
            } catch let error as DatabaseError where error.resultCode == .SQLITE_CONSTRAINT {
                throw StatusStoreError(
                    .alreadyRetried, "request \(retry) is already the retry of another request; each retry needs a new request id")
            }
            guard db.changesCount == 1 else { throw try Self.whyNotRetryable(original, db) }
            if let audit { _ = try AuditRows.append(audit, at: now, db) }
            return RetryLink(original: original, retriedAs: retry)
        }
    }

    public func retriedAs(_ id: RequestID) async throws -> RequestID? {
        try await writer.read { db in
            guard let text = try String.fetchOne(db, sql: "SELECT retried_as FROM requests WHERE id = ?", arguments: [id.description]) else {
                return nil
            }
            guard let retry = RequestID(text) else {
                throw StatusStoreError(.corruptRow, "stored request \(id) was retried as \"\(text)\", which is not a request id")
            }
            return retry
        }
    }

    public func retryOrigin(of id: RequestID) async throws -> RequestID? {
        try await writer.read { db in
            // The partial unique index on retried_as makes this a lookup.
            guard let text = try String.fetchOne(db, sql: "SELECT id FROM requests WHERE retried_as = ?", arguments: [id.description]) else {
                return nil
            }
            guard let original = RequestID(text) else {
                throw StatusStoreError(.corruptRow, "the request retried as \(id) is stored under \"\(text)\", which is not a request id")
            }
            return original
        }
    }

    /// Why the compare-and-set on `original` changed nothing, in the operator's words.
    private static func whyNotRetryable(_ original: RequestID, _ db: Database) throws -> StatusStoreError {
        guard let row = try Row.fetchOne(db, sql: "SELECT status, retried_as FROM requests WHERE id = ?", arguments: [original.description]) else {
            return StatusStoreError(.unknownRequest, "request \(original) is not stored, so it cannot be retried")
        }
        if let retriedAs = row["retried_as"] as String? {
            return StatusStoreError(
                .alreadyRetried, "request \(original) was already retried as request \(retriedAs); follow that one instead of retrying again")
        }
        let status: String = row["status"]
        return StatusStoreError(
            .notRetryable, "request \(original) is \(status); only a request that finally failed or reverted can be retried")
    }
}
