import EVMPrimitives
import Foundation

/// One `eth_sendRawTransaction` of one of a request's versions, and how it ended.
public struct BroadcastAttempt: Hashable, Sendable, Codable {
    public var requestID: RequestID
    /// 1 for the request's first send, over all its versions.
    public var number: Int
    /// The version sent (1 for the original).
    public var version: Int
    public var hash: TxHash
    public var startedAt: Date
    public var finishedAt: Date
    public var outcome: SendClass
    /// The endpoint that answered (scheme://host:port, never a path that may hold an API key).
    public var endpoint: String?
    public var error: String?

    public init(
        requestID: RequestID, number: Int, version: Int, hash: TxHash, startedAt: Date, finishedAt: Date,
        outcome: SendClass, endpoint: String? = nil, error: String? = nil
    ) {
        self.requestID = requestID
        self.number = number
        self.version = version
        self.hash = hash
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.outcome = outcome
        self.endpoint = endpoint
        self.error = error
    }

    enum CodingKeys: String, CodingKey {
        case number, version, hash, outcome, endpoint, error
        case requestID = "request_id"
        case startedAt = "started_at"
        case finishedAt = "finished_at"
    }
}

/// What a send's result is called in attempt rows, metrics and the dashboard: one word per class.
public enum SendClass: String, Hashable, Sendable, Codable, CaseIterable {
    /// A node took the version (or already had it).
    case accepted
    /// The answer was lost: a timeout, a dropped connection. It may have landed.
    case unknown
    /// It did not reach a node (connection refused, a busy node).
    case notSent = "not_sent"
    case nonceTooLow = "nonce_too_low"
    case nonceTooHigh = "nonce_too_high"
    case feesTooLow = "fees_too_low"
    case insufficientFunds = "insufficient_funds"
    /// Refused for good: the request is given up and its nonce cancelled.
    case invalid
}
