import Foundation

/// One call of `eth_sendRawTransaction` for a request, and how it ended.
public struct BroadcastAttempt: Hashable, Sendable, Codable {
    public enum Outcome: String, Hashable, Sendable, Codable {
        /// The node accepted it, or already knew it.
        case accepted
        /// A failure worth retrying (timeout, transport, a busy node).
        case retryable
        /// The node refused it for good.
        case rejected
    }

    public var requestID: RequestID
    /// 1 for the first attempt.
    public var number: Int
    public var startedAt: Date
    public var finishedAt: Date
    public var outcome: Outcome
    /// The endpoint that answered (scheme://host:port, never a path that may hold an API key).
    public var endpoint: String?
    public var error: String?

    public init(
        requestID: RequestID, number: Int, startedAt: Date, finishedAt: Date,
        outcome: Outcome, endpoint: String? = nil, error: String? = nil
    ) {
        self.requestID = requestID
        self.number = number
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.outcome = outcome
        self.endpoint = endpoint
        self.error = error
    }

    enum CodingKeys: String, CodingKey {
        case number, outcome, endpoint, error
        case requestID = "request_id"
        case startedAt = "started_at"
        case finishedAt = "finished_at"
    }
}
