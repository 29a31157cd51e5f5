import AdminActions
import BroadcastModel
import StatusStore

/// Retries for a build whose retry actions are not wired in: every action is refused, saying so.
struct UnavailableRetryActions: RetryActions {
    static let message = "retries are not wired in this build"

    struct Unavailable: Error, CustomStringConvertible {
        var description: String { UnavailableRetryActions.message }
    }

    func preview(_ id: RequestID) async -> RetryPreview {
        RetryPreview(request: nil, verdict: .refused(RetryRefusal(.storeUnavailable, Self.message)), clickKey: nil)
    }

    func confirm(_ id: RequestID, clickKey: RetryClickKey, by user: String, reason: String?) async -> Result<RetryOutcome, RetryRefusal> {
        .failure(RetryRefusal(.storeUnavailable, Self.message))
    }

    func planBulk(_ filter: RequestQuery, cap: Int, by user: String, reason: String) async throws -> BulkRetryOperation { throw Unavailable() }
    func startBulk(_ id: BulkRetryID, by user: String) async throws -> BulkRetryOperation { throw Unavailable() }
    func cancelBulk(_ id: BulkRetryID, by user: String) async throws -> BulkRetryOperation { throw Unavailable() }
    func bulkOperation(_ id: BulkRetryID) async throws -> BulkRetryOperation? { nil }
    func bulkOperations(limit: Int) async throws -> [BulkRetryOperation] { [] }
    func bulkItems(_ id: BulkRetryID, limit: Int, after: RequestID?) async throws -> [BulkRetryItem] { [] }
}
