import BroadcastModel
import EVMPrimitives
import Foundation
import StatusStore
import Testing

@Suite("Bulk retries as stored")
struct BulkRetryStoreTests {
    func failed(_ store: any StatusStoreEngine, _ fence: LeaseFence, offset: Int64) async throws -> StoredRequest {
        let stored = try await intakeOne(store, makeRequest(), fences: [senderA: fence], offset: offset)
        try await store.save([state(stored, .failed)], attempts: [], fence: fence)
        return stored
    }

    @Test(arguments: StoreKind.allCases)
    func theFilterReadsBackAsFrozen(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            let searches: [RequestSearch?] = [
                nil, RequestSearch.id(prefix: "0123abcd-"), RequestSearch.hash(prefix: "0xDEADbeef01"),
                RequestSearch.idempotencyKey(hash: [1, 2, 3, 255]),
            ]
            for search in searches {
                let query = RequestQuery(
                    statuses: [.failed, .reverted], sender: senderA, contract: contract, selector: FunctionSelector("0x1c41742f"),
                    messageType: "add_weight(address _addr, uint256 _weight)", createdFrom: Date(timeIntervalSince1970: 1_750_000_000.5),
                    createdBefore: Date(timeIntervalSince1970: 1_750_000_900.25), search: search)
                let record = try await store.createBulkRetry(
                    filter: query, cap: 7, reason: "outage", createdBy: "alice", items: [], audit: AuditEntry(user: "alice", action: .bulkRetry))
                #expect(try await store.bulkRetry(record.id)?.filter == query)
                #expect(record.filter == query && record.cap == 7 && record.state == .planned && record.planned == 0)
            }
            #expect(try await store.bulkRetries(limit: 10).count == searches.count)
            let empty = try await store.createBulkRetry(
                filter: RequestQuery(), cap: 1, reason: "r", createdBy: "bob", items: [], audit: AuditEntry(user: "bob", action: .bulkRetry))
            #expect(try await store.bulkRetry(empty.id)?.filter == RequestQuery())
        }
    }

    @Test(arguments: StoreKind.allCases)
    func onlyFailedRequestsNotRetriedBecomeItems(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            let fence = try await lease(store)
            let open = try await failed(store, fence, offset: 0)
            let retried = try await failed(store, fence, offset: 1)
            _ = try await store.markRetried(original: retried.id, as: RequestID())
            let signed = try await intakeOne(store, makeRequest(), fences: [senderA: fence], offset: 2)
            #expect(try await store.notRetried([open.id, retried.id, signed.id, RequestID()]) == [open.id])
            let record = try await store.createBulkRetry(
                filter: RequestQuery(), cap: 10, reason: "outage", createdBy: "alice", items: [open.id, retried.id, signed.id, RequestID()],
                audit: AuditEntry(user: "alice", action: .bulkRetry, details: ["step": "plan"]))
            #expect(record.planned == 1)
            #expect(try await store.bulkRetryItems(record.id, limit: 10, after: nil) == [BulkRetryItemRecord(request: open.id, result: .pending)])
            #expect(try await store.pendingBulkRetryItems(record.id, limit: 10) == [open.id])
            let audit = try await store.recentAudit(limit: 10, before: nil)
            #expect(audit.map(\.entry.details) == [["step": "plan", "operation": String(record.id)]])
        }
    }

    @Test(arguments: StoreKind.allCases)
    func statesMoveByCompareAndSetAndItemsOnce(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            let fence = try await lease(store)
            let first = try await failed(store, fence, offset: 0)
            let second = try await failed(store, fence, offset: 1)
            let record = try await store.createBulkRetry(
                filter: RequestQuery(), cap: 10, reason: "outage", createdBy: "alice", items: [first.id, second.id],
                audit: AuditEntry(user: "alice", action: .bulkRetry))
            let start = AuditEntry(user: "bob", action: .bulkRetry, details: ["step": "start"])
            let started = try #require(try await store.moveBulkRetry(record.id, from: [.planned], to: .running, startedBy: "bob", audit: start))
            #expect(started.moved && started.record.state == .running && started.record.startedBy == "bob")
            let again = try #require(try await store.moveBulkRetry(record.id, from: [.planned], to: .running, startedBy: "carol", audit: start))
            #expect(!again.moved && again.record.startedBy == "bob")
            #expect(try await store.moveBulkRetry(9_999, from: [.planned], to: .running, startedBy: nil, audit: nil) == nil)
            #expect(try await store.bulkRetries(in: .running).map(\.id) == [record.id])

            let retry = RequestID()
            #expect(try await store.recordBulkRetryItem(record.id, request: first.id, result: .retried(retry), audit: nil))
            #expect(try await !store.recordBulkRetryItem(record.id, request: first.id, result: .refused("late"), audit: nil))
            #expect(try await store.recordBulkRetryItem(record.id, request: second.id, result: .refused("nonce open"), audit: nil))
            let now = try #require(try await store.bulkRetry(record.id))
            #expect(now.retried == 1 && now.refused == 1 && now.planned == 2)
            #expect(try await store.pendingBulkRetryItems(record.id, limit: 10).isEmpty)
            let items = try await store.bulkRetryItems(record.id, limit: 10, after: nil)
            #expect(Set(items) == [BulkRetryItemRecord(request: first.id, result: .retried(retry)), BulkRetryItemRecord(request: second.id, result: .refused("nonce open"))])
            // One audit entry for creating, one for the start that moved.
            #expect(try await store.recentAudit(limit: 10, before: nil).count == 2)
        }
    }
}
