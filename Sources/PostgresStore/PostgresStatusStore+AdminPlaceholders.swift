import BroadcastModel
import EVMPrimitives
import Foundation
import StatusStore

// Placeholders for the admin half of the engine, which the other helper (branch h-pg-admin)
// replaces; this file is deleted then.
extension PostgresStatusStore {
    private static var notPorted: StatusStoreError { StatusStoreError(.cannotOpen, "not ported yet") }

    public func statusCounts() async throws -> StatusCounts { throw Self.notPorted }
    public func summaries(_ query: RequestQuery, limit: Int, after cursor: ListCursor?) async throws -> SummaryPage { throw Self.notPorted }
    public func markRetried(original: RequestID, as retry: RequestID, audit: AuditEntry?) async throws -> RetryLink { throw Self.notPorted }
    public func retriedAs(_ id: RequestID) async throws -> RequestID? { throw Self.notPorted }
    public func retryOrigin(of id: RequestID) async throws -> RequestID? { throw Self.notPorted }
    public func appendAudit(_ entry: AuditEntry) async throws -> AuditRecord { throw Self.notPorted }
    public func audit(of request: RequestID, limit: Int) async throws -> [AuditRecord] { throw Self.notPorted }
    public func recentAudit(limit: Int, before: Int64?) async throws -> [AuditRecord] { throw Self.notPorted }

    // BulkRetryStore
    public func notRetried(_ ids: [RequestID]) async throws -> Set<RequestID> { throw Self.notPorted }
    public func summaries(of ids: [RequestID]) async throws -> [RequestSummary] { throw Self.notPorted }
    public func createBulkRetry(
        filter: RequestQuery, cap: Int, reason: String, createdBy: String, items: [RequestID], audit: AuditEntry
    ) async throws -> BulkRetryRecord { throw Self.notPorted }
    public func bulkRetry(_ id: Int64) async throws -> BulkRetryRecord? { throw Self.notPorted }
    public func bulkRetries(limit: Int) async throws -> [BulkRetryRecord] { throw Self.notPorted }
    public func bulkRetries(in state: BulkRetryState) async throws -> [BulkRetryRecord] { throw Self.notPorted }
    public func bulkRetryItems(_ id: Int64, limit: Int, after: RequestID?) async throws -> [BulkRetryItemRecord] { throw Self.notPorted }
    public func pendingBulkRetryItems(_ id: Int64, limit: Int) async throws -> [RequestID] { throw Self.notPorted }
    public func moveBulkRetry(
        _ id: Int64, from: Set<BulkRetryState>, to state: BulkRetryState, startedBy: String?, audit: AuditEntry?
    ) async throws -> (record: BulkRetryRecord, moved: Bool)? { throw Self.notPorted }
    public func recordBulkRetryItem(_ id: Int64, request: RequestID, result: BulkRetryItemResult, audit: AuditEntry?) async throws -> Bool { throw Self.notPorted }

    // AdminOverviewReads
    public func storedSince(_ since: Date) async throws -> Int { throw Self.notPorted }
    public func oldestUnfinished() async throws -> RequestSummary? { throw Self.notPorted }
    public func senderLanes() async throws -> [SenderLane] { throw Self.notPorted }
    public func heldNonces(sender: Address, from: Nonce, below: Nonce) async throws -> Int { throw Self.notPorted }
    public func partitionOffsets() async throws -> [PartitionOffset] { throw Self.notPorted }
    public func unfinishedSendersByPartition() async throws -> [SenderPartition] { throw Self.notPorted }
}
