import BroadcastModel
import Foundation

/// Where a stored bulk retry is: planned (a dry run), running in the admin process, cancelled
/// by an operator, or finished (no item pending).
public enum BulkRetryState: String, Hashable, Sendable, CaseIterable {
    case planned, running, cancelled, finished
}

/// A bulk retry as stored: what it was planned from and how far it got.
public struct BulkRetryRecord: Hashable, Sendable {
    public var id: Int64
    /// The filter as frozen at planning.
    public var filter: RequestQuery
    public var cap: Int
    public var reason: String
    public var createdBy: String
    public var createdAt: Date
    /// Who started it, once started.
    public var startedBy: String?
    public var state: BulkRetryState
    /// Items taken at planning; how many ended retried, how many refused.
    public var planned: Int
    public var retried: Int
    public var refused: Int

    public init(
        id: Int64, filter: RequestQuery, cap: Int, reason: String, createdBy: String, createdAt: Date, startedBy: String?,
        state: BulkRetryState, planned: Int, retried: Int, refused: Int
    ) {
        self.id = id
        self.filter = filter
        self.cap = cap
        self.reason = reason
        self.createdBy = createdBy
        self.createdAt = createdAt
        self.startedBy = startedBy
        self.state = state
        self.planned = planned
        self.retried = retried
        self.refused = refused
    }
}

/// What became of one request of a bulk retry.
public enum BulkRetryItemResult: Hashable, Sendable {
    case pending
    case retried(RequestID)
    case refused(String)
}

public struct BulkRetryItemRecord: Hashable, Sendable {
    public var request: RequestID
    public var result: BulkRetryItemResult

    public init(request: RequestID, result: BulkRetryItemResult) {
        self.request = request
        self.result = result
    }
}

/// The stored bulk retries (schema v6). Separate from `StatusStore`: only the admin process
/// plans and runs them.
public protocol BulkRetryStore: Sendable {
    /// Which of `ids` are final failed or reverted and not retried yet.
    func notRetried(_ ids: [RequestID]) async throws -> Set<RequestID>

    /// The list rows of `ids` that are stored, in the order given.
    func summaries(of ids: [RequestID]) async throws -> [RequestSummary]

    /// Stores a planned operation and its items (those of `items` still final failed or
    /// reverted and not retried, checked in the same transaction), with `audit`.
    func createBulkRetry(
        filter: RequestQuery, cap: Int, reason: String, createdBy: String, items: [RequestID], audit: AuditEntry
    ) async throws -> BulkRetryRecord

    func bulkRetry(_ id: Int64) async throws -> BulkRetryRecord?
    /// Newest first.
    func bulkRetries(limit: Int) async throws -> [BulkRetryRecord]
    /// Oldest first: what a runner resumes.
    func bulkRetries(in state: BulkRetryState) async throws -> [BulkRetryRecord]
    /// Items in request id order, continuing after `after`.
    func bulkRetryItems(_ id: Int64, limit: Int, after: RequestID?) async throws -> [BulkRetryItemRecord]
    /// Pending items in request id order.
    func pendingBulkRetryItems(_ id: Int64, limit: Int) async throws -> [RequestID]

    /// Moves the operation to `state` if it is in one of `from` (a compare-and-set), noting
    /// `startedBy` when given, and appends `audit` if it moved. Returns the record as it is now
    /// and whether it moved; nil when no such operation is stored.
    func moveBulkRetry(
        _ id: Int64, from: Set<BulkRetryState>, to state: BulkRetryState, startedBy: String?, audit: AuditEntry?
    ) async throws -> (record: BulkRetryRecord, moved: Bool)?

    /// Records a pending item's result, its operation's counter and `audit` in one transaction;
    /// false (and nothing written) when the item is not pending.
    func recordBulkRetryItem(_ id: Int64, request: RequestID, result: BulkRetryItemResult, audit: AuditEntry?) async throws -> Bool
}
