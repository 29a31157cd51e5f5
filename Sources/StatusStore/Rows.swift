import BroadcastModel
import EVMPrimitives
import Foundation
import GRDB

/// Times are stored as whole milliseconds since 1970. Every time leaving the store is rounded
/// the same way, so a record returned by a write equals the one a later read returns.
enum StoredTime {
    static func millis(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1000).rounded()) }
    static func date(_ millis: Int64) -> Date { Date(timeIntervalSince1970: Double(millis) / 1000) }
    static func rounded(_ date: Date) -> Date { self.date(millis(date)) }
}

/// A row of `requests`: one request and its signed transaction.
struct RequestRow: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "requests"

    var id: String
    var messageType: String
    var function: String
    var data: Data
    var toAddress: String
    var fromAddress: String
    var acceptedAt: Int64
    var retryOf: String?
    var status: String
    var nonce: Int64
    var rawTx: Data
    var txHash: String
    var attempts: Int
    var nextAttemptAt: Int64?
    var lastError: String?
    var createdAt: Int64
    var updatedAt: Int64
    /// The topic and partition the request was consumed from (nil for rows stored before v2).
    var sourceTopic: String?
    var sourcePartition: Int32?

    enum CodingKeys: String, CodingKey {
        case id, function, data, status, nonce, attempts
        case messageType = "message_type"
        case toAddress = "to_address"
        case fromAddress = "from_address"
        case acceptedAt = "accepted_at"
        case retryOf = "retry_of"
        case rawTx = "raw_tx"
        case txHash = "tx_hash"
        case nextAttemptAt = "next_attempt_at"
        case lastError = "last_error"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
        case sourceTopic = "source_topic"
        case sourcePartition = "source_partition"
    }

    enum Columns {
        static let id = Column(CodingKeys.id)
        static let status = Column(CodingKeys.status)
        static let updatedAt = Column(CodingKeys.updatedAt)
    }

    init(_ record: TransactionRecord, sourceTopic: String?, sourcePartition: Int32?) throws {
        let request = record.request
        id = request.id.description
        messageType = request.messageType
        function = request.function
        data = Data(request.data.bytes)
        toAddress = request.to.checksummed
        fromAddress = request.from.checksummed
        acceptedAt = StoredTime.millis(request.acceptedAt)
        retryOf = request.retryOf?.description
        status = record.status.rawValue
        nonce = try storedInteger(record.nonce.value, "nonce")
        rawTx = Data(record.rawTransaction)
        txHash = record.hash.description
        attempts = record.attempts
        nextAttemptAt = record.nextAttemptAt.map(StoredTime.millis)
        lastError = record.lastError
        createdAt = StoredTime.millis(record.createdAt)
        updatedAt = StoredTime.millis(record.updatedAt)
        self.sourceTopic = sourceTopic
        self.sourcePartition = sourcePartition
    }

    func record() throws -> TransactionRecord {
        do {
            guard let requestID = RequestID(id) else { throw corrupt("id \"\(id)\" is not a UUID") }
            guard let status = TransactionStatus(rawValue: status) else { throw corrupt("status \"\(status)\"") }
            guard let nonce = UInt64(exactly: nonce) else { throw corrupt("nonce \(nonce)") }
            var retried: RequestID?
            if let retryOf {
                guard let parsed = RequestID(retryOf) else { throw corrupt("retry_of \"\(retryOf)\" is not a UUID") }
                retried = parsed
            }
            let request = BroadcastRequest(
                id: requestID, messageType: messageType, function: function, data: Calldata(Array(data)),
                to: try Address(toAddress), from: try Address(fromAddress),
                acceptedAt: StoredTime.date(acceptedAt), retryOf: retried)
            return TransactionRecord(
                request: request, status: status, nonce: Nonce(nonce), rawTransaction: Array(rawTx),
                hash: try TxHash(txHash), attempts: attempts, nextAttemptAt: nextAttemptAt.map(StoredTime.date),
                lastError: lastError, createdAt: StoredTime.date(createdAt), updatedAt: StoredTime.date(updatedAt))
        } catch let error as StatusStoreError {
            throw error
        } catch {
            throw corrupt("\(error)")
        }
    }

    private func corrupt(_ detail: String) -> StatusStoreError {
        StatusStoreError(.corruptRow, "stored request \(id) does not decode (\(detail)); the status store was edited or written by a broken build")
    }
}

/// A row of `attempts`: one finished broadcast attempt.
struct AttemptRow: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "attempts"

    var requestID: String
    var number: Int
    var startedAt: Int64
    var finishedAt: Int64
    var outcome: String
    var endpoint: String?
    var error: String?

    enum CodingKeys: String, CodingKey {
        case number, outcome, endpoint, error
        case requestID = "request_id"
        case startedAt = "started_at"
        case finishedAt = "finished_at"
    }

    enum Columns {
        static let requestID = Column(CodingKeys.requestID)
        static let number = Column(CodingKeys.number)
    }

    init(_ attempt: BroadcastAttempt) {
        requestID = attempt.requestID.description
        number = attempt.number
        startedAt = StoredTime.millis(attempt.startedAt)
        finishedAt = StoredTime.millis(attempt.finishedAt)
        outcome = attempt.outcome.rawValue
        endpoint = attempt.endpoint
        error = attempt.error
    }

    func attempt() throws -> BroadcastAttempt {
        guard let id = RequestID(requestID), let outcome = BroadcastAttempt.Outcome(rawValue: outcome) else {
            throw StatusStoreError(.corruptRow, "stored attempt \(number) of request \(requestID) does not decode; the status store was edited or written by a broken build")
        }
        return BroadcastAttempt(
            requestID: id, number: number, startedAt: StoredTime.date(startedAt),
            finishedAt: StoredTime.date(finishedAt), outcome: outcome, endpoint: endpoint, error: error)
    }
}

/// SQLite integers are signed 64-bit; a nonce or offset beyond that is refused, not wrapped.
func storedInteger(_ value: UInt64, _ field: String) throws -> Int64 {
    guard let stored = Int64(exactly: value) else {
        throw StatusStoreError(.valueOutOfRange, "\(field) \(value) is beyond the largest value the status store keeps (2^63 - 1)")
    }
    return stored
}
