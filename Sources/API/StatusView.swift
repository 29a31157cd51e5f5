import BroadcastModel
import EVMPrimitives
import Foundation

/// The answer to a broadcast POST: the request id and what is known of its status.
///
/// `status` is `accepted` (in the queue, not yet signed) or one of `TransactionStatus`; the
/// transaction's fields appear once it is signed.
struct StatusView: Codable, Equatable, Sendable {
    var id: RequestID
    var status: String
    var nonce: Nonce?
    var hash: TxHash?
    var rawTransaction: Calldata?
    var attempts: Int?
    var error: String?

    enum CodingKeys: String, CodingKey {
        case id, status, nonce, hash, attempts, error
        case rawTransaction = "raw_transaction"
    }

    static func accepted(_ id: RequestID) -> StatusView {
        StatusView(id: id, status: "accepted")
    }

    init(id: RequestID, status: String) {
        self.id = id
        self.status = status
    }

    init(_ event: StatusEvent) {
        id = event.id
        status = event.status.rawValue
        nonce = event.nonce
        hash = event.hash
        rawTransaction = event.rawTransaction
        attempts = event.attempts
        error = event.error
    }

    init(_ record: TransactionRecord) {
        id = record.id
        status = record.status.rawValue
        nonce = record.nonce
        hash = record.hash
        rawTransaction = Calldata(record.rawTransaction)
        attempts = record.attempts
        error = record.lastError
    }

    /// Broadcast or failed for good: what `Prefer: wait` waits for.
    var isOutcome: Bool {
        TransactionStatus(rawValue: status)?.isFinal ?? false
    }
}

/// `GET /transaction/{id}`: everything the store knows of a request.
struct RecordView: Encodable, Sendable {
    var id: RequestID
    var status: TransactionStatus
    var request: BroadcastRequest
    var nonce: Nonce
    var hash: TxHash
    var rawTransaction: Calldata
    var attemptCount: Int
    var attempts: [BroadcastAttempt]
    var nextAttemptAt: Date?
    var lastError: String?
    var createdAt: Date
    var updatedAt: Date

    init(record: TransactionRecord, attempts: [BroadcastAttempt]) {
        id = record.id
        status = record.status
        request = record.request
        nonce = record.nonce
        hash = record.hash
        rawTransaction = Calldata(record.rawTransaction)
        attemptCount = record.attempts
        self.attempts = attempts
        nextAttemptAt = record.nextAttemptAt
        lastError = record.lastError
        createdAt = record.createdAt
        updatedAt = record.updatedAt
    }

    enum CodingKeys: String, CodingKey {
        case id, status, request, nonce, hash, attempts
        case rawTransaction = "raw_transaction"
        case attemptCount = "attempt_count"
        case nextAttemptAt = "next_attempt_at"
        case lastError = "last_error"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
    }
}
