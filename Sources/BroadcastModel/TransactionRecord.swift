import EVMPrimitives
import Foundation

/// What the status store knows about one request.
public struct TransactionRecord: Hashable, Sendable, Codable {
    public var request: BroadcastRequest
    public var status: TransactionStatus
    public var nonce: Nonce
    /// The signed raw transaction; every attempt sends exactly these bytes.
    public var rawTransaction: [UInt8]
    public var hash: TxHash
    /// Attempts finished so far.
    public var attempts: Int
    /// When the next attempt is due, while `retrying`.
    public var nextAttemptAt: Date?
    /// The last failure, in words an operator can act on.
    public var lastError: String?
    public var createdAt: Date
    public var updatedAt: Date

    public init(
        request: BroadcastRequest, status: TransactionStatus, nonce: Nonce, rawTransaction: [UInt8],
        hash: TxHash, attempts: Int = 0, nextAttemptAt: Date? = nil, lastError: String? = nil,
        createdAt: Date, updatedAt: Date
    ) {
        self.request = request
        self.status = status
        self.nonce = nonce
        self.rawTransaction = rawTransaction
        self.hash = hash
        self.attempts = attempts
        self.nextAttemptAt = nextAttemptAt
        self.lastError = lastError
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    public var id: RequestID { request.id }
}
