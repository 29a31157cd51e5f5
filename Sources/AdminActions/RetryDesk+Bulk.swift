import BroadcastModel
import Foundation
import StatusStore

extension RetryDesk {
    /// Caps of a bulk retry.
    public static let defaultBulkCap = 1_000
    public static let bulkCaps = 1...10_000
    /// The longest reason kept.
    public static let longestReason = 500
    /// Rows shown as a bulk retry's sample.
    static let sampleSize = 5

    public func planBulk(_ filter: RequestQuery, cap: Int, by user: String, reason: String) async throws -> BulkRetryOperation {
        let reason = reason.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !reason.isEmpty else { throw BulkRetryError(.invalidReason, "a bulk retry needs a reason; say why these requests are retried") }
        guard reason.count <= Self.longestReason else {
            throw BulkRetryError(.invalidReason, "the reason has \(reason.count) characters; keep it to \(Self.longestReason)")
        }
        guard Self.bulkCaps.contains(cap) else {
            throw BulkRetryError(.invalidCap, "the cap must be \(Self.bulkCaps.lowerBound) to \(Self.bulkCaps.upperBound), got \(cap)")
        }
        try checkUser(user)
        // Only final failed or reverted requests are taken, whatever else the filter says.
        var frozen = filter
        frozen.statuses = filter.statuses.isEmpty ? [.failed, .reverted] : filter.statuses.intersection([.failed, .reverted])
        let items = try await storeCall { try await candidates(frozen, cap: cap) }
        let entry = AuditEntry(user: user, action: .bulkRetry, reason: reason, details: ["step": "plan", "cap": String(cap)])
        let record = try await storeCall {
            try await store.createBulkRetry(filter: frozen, cap: cap, reason: reason, createdBy: user, items: items, audit: entry)
        }
        return try await operation(record, withSample: true)
    }

    /// Up to `cap` ids matching `query` (of failed or reverted requests only) that were not
    /// retried, newest first, walking the list's keyset pages.
    private func candidates(_ query: RequestQuery, cap: Int) async throws -> [RequestID] {
        guard !query.statuses.isEmpty else { return [] }
        var items: [RequestID] = []
        var cursor: ListCursor?
        repeat {
            let page = try await store.summaries(query, limit: 500, after: cursor)
            let ids = page.rows.map(\.id)
            let open = try await store.notRetried(ids)
            items += ids.filter(open.contains).prefix(cap - items.count)
            cursor = page.next
        } while cursor != nil && items.count < cap
        return items
    }

    public func startBulk(_ id: BulkRetryID, by user: String) async throws -> BulkRetryOperation {
        try checkUser(user)
        let entry = AuditEntry(user: user, action: .bulkRetry, details: ["step": "start", "operation": id.description])
        let moved = try await storeCall { try await store.moveBulkRetry(id.value, from: [.planned], to: .running, startedBy: user, audit: entry) }
        guard let moved else { throw unknown(id) }
        guard moved.moved else {
            throw BulkRetryError(.wrongState, "bulk retry \(id) is \(moved.record.state.rawValue); only a planned one can be started (plan it again)")
        }
        return try await operation(moved.record, withSample: true)
    }

    public func cancelBulk(_ id: BulkRetryID, by user: String) async throws -> BulkRetryOperation {
        try checkUser(user)
        let entry = AuditEntry(user: user, action: .bulkRetry, details: ["step": "cancel", "operation": id.description])
        let moved = try await storeCall {
            try await store.moveBulkRetry(id.value, from: [.planned, .running], to: .cancelled, startedBy: nil, audit: entry)
        }
        guard let moved else { throw unknown(id) }
        guard moved.moved || moved.record.state == .cancelled else {
            throw BulkRetryError(.wrongState, "bulk retry \(id) is \(moved.record.state.rawValue): there is nothing left to cancel")
        }
        return try await operation(moved.record, withSample: true)
    }

    public func bulkOperation(_ id: BulkRetryID) async throws -> BulkRetryOperation? {
        guard let record = try await storeCall({ try await store.bulkRetry(id.value) }) else { return nil }
        return try await operation(record, withSample: true)
    }

    /// Newest first, without samples (`bulkOperation` has one).
    public func bulkOperations(limit: Int) async throws -> [BulkRetryOperation] {
        var operations: [BulkRetryOperation] = []
        for record in try await storeCall({ try await store.bulkRetries(limit: limit) }) {
            operations.append(try await operation(record, withSample: false))
        }
        return operations
    }

    public func bulkItems(_ id: BulkRetryID, limit: Int, after: RequestID?) async throws -> [BulkRetryItem] {
        try await storeCall { try await store.bulkRetryItems(id.value, limit: limit, after: after) }.map { item in
            switch item.result {
            case .pending: BulkRetryItem(request: item.request, result: .pending)
            case .retried(let retry): BulkRetryItem(request: item.request, result: .retried(retry))
            case .refused(let message): BulkRetryItem(request: item.request, result: .refused(message))
            }
        }
    }

    private func operation(_ record: BulkRetryRecord, withSample: Bool) async throws -> BulkRetryOperation {
        var sample: [RequestSummary] = []
        if withSample {
            let first = try await storeCall { try await store.bulkRetryItems(record.id, limit: Self.sampleSize, after: nil) }
            sample = try await storeCall { try await store.summaries(of: first.map(\.request)) }
        }
        let state: BulkRetryOperation.State =
            switch record.state {
            case .planned: .planned
            case .running: .running
            case .cancelled: .cancelled
            case .finished: .finished
            }
        return BulkRetryOperation(
            id: BulkRetryID(record.id), filter: record.filter, cap: record.cap, reason: record.reason, createdBy: record.createdBy,
            createdAt: record.createdAt, state: state, planned: record.planned, retried: record.retried, refused: record.refused,
            sample: sample)
    }

    private func checkUser(_ user: String) throws {
        guard !user.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw BulkRetryError(.invalidUser, "a bulk retry step needs the signed-in user for its audit entry")
        }
    }

    private func unknown(_ id: BulkRetryID) -> BulkRetryError {
        BulkRetryError(.unknownOperation, "there is no bulk retry \(id); the list of bulk retries shows the stored ones")
    }

    /// Runs a store call, turning its failure into the operator's error.
    private func storeCall<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as BulkRetryError {
            throw error
        } catch {
            throw BulkRetryError(.storeUnavailable, "the status store did not answer (\(error)); try again in a moment")
        }
    }
}
