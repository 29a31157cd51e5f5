import ABI
import AdminActions
import BroadcastModel
import BroadcasterConfig
import EVMPrimitives
import Foundation
import Lifecycle
import SQLiteStore
import StatusStore
import Synchronization

/// Stands in for the retry actions to test the pages and their guards only (the retry's
/// semantics are tested against the real implementation elsewhere): it answers what the test
/// sets and records every call.
final class RecordingRetryActions: RetryActions {
    enum Call: Equatable {
        case preview(RequestID)
        case confirm(RequestID, key: String, user: String, reason: String?)
        case planBulk(RequestQuery, cap: Int, user: String, reason: String)
        case startBulk(BulkRetryID, user: String)
        case cancelBulk(BulkRetryID, user: String)
    }

    private struct State {
        var calls: [Call] = []
        var verdict: RetryVerdict = .allowed(
            ChainEvidence(hashesChecked: [], nonce: Nonce(0), chainLatestNonce: Nonce(1), checkedAt: Date()))
        var refusal: RetryRefusal?
        var retries: [String: RequestID] = [:]
        var operations: [BulkRetryOperation] = []
    }

    private let state = Mutex(State())
    static let clickKey = RetryClickKey("click-key-0123456789abcdef")!

    var calls: [Call] { state.withLock { $0.calls } }

    func setVerdict(_ verdict: RetryVerdict) { state.withLock { $0.verdict = verdict } }
    func refuseConfirm(_ refusal: RetryRefusal?) { state.withLock { $0.refusal = refusal } }

    func preview(_ id: RequestID) async -> RetryPreview {
        state.withLock { state in
            state.calls.append(.preview(id))
            let allowed = if case .allowed = state.verdict { true } else { false }
            return RetryPreview(request: nil, verdict: state.verdict, clickKey: allowed ? Self.clickKey : nil)
        }
    }

    func confirm(_ id: RequestID, clickKey: RetryClickKey, by user: String, reason: String?) async -> Result<RetryOutcome, RetryRefusal> {
        state.withLock { state in
            state.calls.append(.confirm(id, key: clickKey.text, user: user, reason: reason))
            if let refusal = state.refusal { return .failure(refusal) }
            if let retry = state.retries[clickKey.text] { return .success(RetryOutcome(original: id, retry: retry, repeated: true)) }
            let retry = RequestID()
            state.retries[clickKey.text] = retry
            return .success(RetryOutcome(original: id, retry: retry, repeated: false))
        }
    }

    func planBulk(_ filter: RequestQuery, cap: Int, by user: String, reason: String) async throws -> BulkRetryOperation {
        state.withLock { state in
            state.calls.append(.planBulk(filter, cap: cap, user: user, reason: reason))
            let operation = BulkRetryOperation(
                id: BulkRetryID(Int64(state.operations.count + 1)), filter: filter, cap: cap, reason: reason, createdBy: user,
                createdAt: Date(), state: .planned, planned: 0, retried: 0, refused: 0, sample: [])
            state.operations.append(operation)
            return operation
        }
    }

    func startBulk(_ id: BulkRetryID, by user: String) async throws -> BulkRetryOperation {
        try change(id) { $0.calls.append(.startBulk(id, user: user)) } update: { $0.state = .running }
    }

    func cancelBulk(_ id: BulkRetryID, by user: String) async throws -> BulkRetryOperation {
        try change(id) { $0.calls.append(.cancelBulk(id, user: user)) } update: { $0.state = .cancelled }
    }

    private func change(_ id: BulkRetryID, record: (inout State) -> Void, update: (inout BulkRetryOperation) -> Void) throws -> BulkRetryOperation {
        try state.withLock { state in
            record(&state)
            guard let index = state.operations.firstIndex(where: { $0.id == id }) else { throw NoSuchOperation() }
            update(&state.operations[index])
            return state.operations[index]
        }
    }

    struct NoSuchOperation: Error {}

    func bulkOperation(_ id: BulkRetryID) async throws -> BulkRetryOperation? {
        state.withLock { $0.operations.first { $0.id == id } }
    }

    func bulkOperations(limit: Int) async throws -> [BulkRetryOperation] {
        state.withLock { Array($0.operations.reversed().prefix(limit)) }
    }

    func bulkItems(_ id: BulkRetryID, limit: Int, after: RequestID?) async throws -> [BulkRetryItem] { [] }
}
