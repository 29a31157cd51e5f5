import BroadcastModel
import Foundation
import GRDB
import StatusStore

extension SQLiteStatusStore {
    public func claimIdempotencyKey(_ claim: IdempotencyClaim) async throws -> IdempotencyOutcome {
        // Lost to power loss, a claim lets a repeated POST through to intake, which finds its
        // request id (derived from the key) already stored.
        try await write(.relaxed) { db in
            try db.execute(
                sql: """
                    INSERT INTO idempotency_keys (key_hash, request_id, body_hash, created_at) VALUES (?, ?, ?, ?)
                    ON CONFLICT (key_hash) DO NOTHING
                    """,
                arguments: [Data(claim.keyHash), claim.requestID.description, Data(claim.bodyHash), StoredTime.millis(claim.at)])
            if db.changesCount > 0 { return .claimed }
            guard let row = try IdempotencyRow.fetchOne(db, key: claim.keyHash) else {
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
        // Lost to power loss, the answer is given anew to the next repeat, for the same request id.
        return try await write(.relaxed) { db in
            // Only the first answer is kept: two concurrent requests with one key may both
            // produce (the same request id), and both must then answer what was stored first.
            try db.execute(
                sql: """
                    UPDATE idempotency_keys SET first_status = ?, first_headers = ?, first_body = ?
                    WHERE key_hash = ? AND first_status IS NULL
                    """,
                arguments: [answer.status, headers, Data(answer.body), Data(keyHash)])
            guard let row = try IdempotencyRow.fetchOne(db, key: keyHash) else {
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
private struct IdempotencyRow: Decodable, FetchableRecord, TableRecord {
    static let databaseTableName = "idempotency_keys"

    var keyHash: Data
    var requestIDText: String
    var bodyHashData: Data
    var firstStatus: Int?
    var firstHeaders: String?
    var firstBody: Data?

    enum CodingKeys: String, CodingKey {
        case keyHash = "key_hash"
        case requestIDText = "request_id"
        case bodyHashData = "body_hash"
        case firstStatus = "first_status"
        case firstHeaders = "first_headers"
        case firstBody = "first_body"
    }

    static func fetchOne(_ db: Database, key: [UInt8]) throws -> IdempotencyRow? {
        try IdempotencyRow.filter(Column("key_hash") == Data(key)).fetchOne(db)
    }

    var bodyHash: [UInt8] { Array(bodyHashData) }

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
        return IdempotentAnswer(status: firstStatus, headers: headers, body: Array(firstBody))
    }

    static func corrupt(_ detail: String) -> StatusStoreError {
        StatusStoreError(.corruptRow, "a stored idempotency key does not decode (\(detail)); the status store was edited or written by a broken build")
    }
}
