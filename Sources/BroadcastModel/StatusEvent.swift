import EVMPrimitives
import Foundation

/// A status change, as produced to the results topic (keyed by request id) for other services
/// and for the API's `Prefer: wait`.
public struct StatusEvent: Hashable, Sendable, Codable {
    public var id: RequestID
    public var status: TransactionStatus
    public var nonce: Nonce
    public var hash: TxHash
    /// The signed raw transaction.
    public var rawTransaction: Calldata
    public var attempts: Int
    public var error: String?
    public var at: Date

    public init(record: TransactionRecord, at: Date) {
        self.id = record.id
        self.status = record.status
        self.nonce = record.nonce
        self.hash = record.hash
        self.rawTransaction = Calldata(record.rawTransaction)
        self.attempts = record.attempts
        self.error = record.lastError
        self.at = at
    }

    enum CodingKeys: String, CodingKey {
        case id, status, nonce, hash, attempts, error, at
        case rawTransaction = "raw_transaction"
    }
}
