import BroadcastModel
import Foundation
import Logging
import PostgresNIO
import StatusStore

extension PostgresStatusStore {
    public func claimIdempotencyKey(_ claim: IdempotencyClaim) async throws -> IdempotencyOutcome {
        try await transaction { connection in
            let inserted = try await connection.first(
                """
                INSERT INTO idempotency_keys (key_hash, request_id, body_hash, created_at)
                VALUES (\(Data(claim.keyHash)), \(claim.requestID.description), \(Data(claim.bodyHash)), \(StoredTime.millis(claim.at)))
                ON CONFLICT (key_hash) DO NOTHING RETURNING 1
                """, logger)
            if inserted != nil { return .claimed }
            guard let row = try await IdempotencyRow.fetch(claim.keyHash, connection, logger) else {
                throw IdempotencyRow.corrupt("the key vanished while it was claimed")
            }
            return .existing(requestID: try row.requestID(), bodyHash: row.bodyHash, firstAnswer: try row.firstAnswer())
        }
    }

    public func recordFirstAnswer(_ answer: IdempotentAnswer, forKey keyHash: [UInt8]) async throws -> IdempotentAnswer {
        guard (100...599).contains(answer.status) else {
            throw StatusStoreError(.valueOutOfRange, "\(answer.status) is not an HTTP status; only answers given to callers are stored")
        }
        let headers = try String(decoding: JSONEncoder().encode(answer.headers), as: UTF8.self)
        let status = Int32(answer.status)
        return try await transaction { connection in
            // Only the first answer is kept: two concurrent requests with one key may both
            // produce (the same request id), and both must then answer what was stored first.
            try await connection.run(
                """
                UPDATE idempotency_keys SET first_status = \(status), first_headers = \(headers), first_body = \(Data(answer.body))
                WHERE key_hash = \(Data(keyHash)) AND first_status IS NULL
                """, logger)
            guard let row = try await IdempotencyRow.fetch(keyHash, connection, logger) else {
                throw StatusStoreError(.unknownRequest, "no idempotency key with this hash was claimed, so no answer can be stored for it")
            }
            guard let stored = try row.firstAnswer() else {
                throw IdempotencyRow.corrupt("the answer just stored is missing")
            }
            return stored
        }
    }
}

/// A row of `idempotency_keys`: a claimed key (its hash), its request, and the first answer.
private struct IdempotencyRow {
    var requestIDText: String
    var bodyHash: [UInt8]
    var firstStatus: Int32?
    var firstHeaders: String?
    var firstBody: Data?

    static func fetch(_ key: [UInt8], _ connection: PostgresConnection, _ logger: Logger) async throws -> IdempotencyRow? {
        guard let row = try await connection.first(
            "SELECT request_id, body_hash, first_status, first_headers, first_body FROM idempotency_keys WHERE key_hash = \(Data(key))",
            logger)
        else { return nil }
        let decoded: (String, Data, Int32?, String?, Data?)
        do {
            decoded = try row.decode((String, Data, Int32?, String?, Data?).self)
        } catch {
            throw corrupt("its columns do not decode")
        }
        return IdempotencyRow(
            requestIDText: decoded.0, bodyHash: Array(decoded.1), firstStatus: decoded.2, firstHeaders: decoded.3, firstBody: decoded.4)
    }

    func requestID() throws -> RequestID {
        guard let id = RequestID(requestIDText) else { throw Self.corrupt("request_id \"\(requestIDText)\" is not a UUID") }
        return id
    }

    /// The stored answer, nil while none is; all three columns are written together.
    func firstAnswer() throws -> IdempotentAnswer? {
        guard let firstStatus else { return nil }
        guard (100...599).contains(firstStatus), let firstHeaders, let firstBody,
            let headers = try? JSONDecoder().decode([IdempotentAnswer.Header].self, from: Data(firstHeaders.utf8))
        else {
            throw Self.corrupt("the first answer's status, headers or body are missing or unreadable")
        }
        return IdempotentAnswer(status: Int(firstStatus), headers: headers, body: Array(firstBody))
    }

    static func corrupt(_ detail: String) -> StatusStoreError {
        StatusStoreError(.corruptRow, "a stored idempotency key does not decode (\(detail)); the status store was edited or written by a broken build")
    }
}
