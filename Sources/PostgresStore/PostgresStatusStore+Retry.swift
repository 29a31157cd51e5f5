import BroadcastModel
import Foundation
import Logging
import PostgresNIO
import StatusStore

extension PostgresStatusStore {
    public func markRetried(original: RequestID, as retry: RequestID, audit: AuditEntry?) async throws -> RetryLink {
        guard original != retry else {
            throw StatusStoreError(.notRetryable, "request \(original) cannot be its own retry; the retry needs a new request id")
        }
        if let audit { try audit.check() }
        let now = StoredTime.millis(self.now())
        return try await transaction { connection in
            // A compare-and-set: of two hosts retrying one request at once, the second waits
            // for the first's row lock, then finds retried_as set and changes nothing.
            let updated: PostgresRow?
            do {
                updated = try await connection.first(
                    """
                    UPDATE requests SET retried_as = \(retry.description)
                    WHERE id = \(original.description) AND retried_as IS NULL AND status IN ('failed', 'reverted')
                    RETURNING id
                    """, logger)
            } catch let error where StoreFailure.isUniqueViolation(error) {
                throw StatusStoreError(
                    .alreadyRetried, "request \(retry) is already the retry of another request; each retry needs a new request id")
            }
            guard updated != nil else { throw try await Self.whyNotRetryable(original, connection, logger) }
            if let audit { _ = try await AuditRows.append(audit, at: now, connection, logger) }
            return RetryLink(original: original, retriedAs: retry)
        }
    }

    public func retriedAs(_ id: RequestID) async throws -> RequestID? {
        try await read { connection in
            let row = try await connection.first("SELECT retried_as FROM requests WHERE id = \(id.description)", logger)
            guard let text = try row?.decode(String?.self) else { return nil }
            guard let retry = RequestID(text) else {
                throw StatusStoreError(.corruptRow, "stored request \(id) was retried as \"\(text)\", which is not a request id")
            }
            return retry
        }
    }

    public func retryOrigin(of id: RequestID) async throws -> RequestID? {
        try await read { connection in
            // The partial unique index on retried_as makes this a lookup.
            let row = try await connection.first("SELECT id FROM requests WHERE retried_as = \(id.description)", logger)
            guard let text = try row?.decode(String.self) else { return nil }
            guard let original = RequestID(text) else {
                throw StatusStoreError(.corruptRow, "the request retried as \(id) is stored under \"\(text)\", which is not a request id")
            }
            return original
        }
    }

    /// Why the compare-and-set on `original` changed nothing, in the operator's words.
    private static func whyNotRetryable(_ original: RequestID, _ connection: PostgresConnection, _ logger: Logger) async throws -> StatusStoreError {
        guard let row = try await connection.first("SELECT status, retried_as FROM requests WHERE id = \(original.description)", logger) else {
            return StatusStoreError(.unknownRequest, "request \(original) is not stored, so it cannot be retried")
        }
        let (status, retriedAs) = try row.decode((String, String?).self)
        if let retriedAs {
            return StatusStoreError(
                .alreadyRetried, "request \(original) was already retried as request \(retriedAs); follow that one instead of retrying again")
        }
        return StatusStoreError(
            .notRetryable, "request \(original) is \(status); only a request that finally failed or reverted can be retried")
    }
}
