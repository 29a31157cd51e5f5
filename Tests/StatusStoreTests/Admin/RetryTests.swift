import BroadcastModel
import EVMPrimitives
import Foundation
import Lifecycle
import SQLiteStore
import StatusStore
import Testing

@Suite("Retry links: one retry per failed request")
struct RetryTests {
    /// A request of senderA taken to `status`.
    func stored(_ store: any StatusStore, _ status: TransactionStatus, fence: LeaseFence, offset: Int64 = 0) async throws -> StoredRequest {
        let stored = try await intakeOne(store, makeRequest(), fences: [senderA: fence], offset: offset)
        if status != .signed { try await store.save([state(stored, status)], attempts: [], fence: fence) }
        return try #require(try await store.request(stored.id))
    }

    func code(_ body: () async throws -> Void) async -> StatusStoreError.Code? {
        do {
            try await body()
            return nil
        } catch let error as StatusStoreError {
            return error.code
        } catch {
            Issue.record("not a StatusStoreError: \(error)")
            return nil
        }
    }

    @Test(arguments: StoreKind.allCases)
    func onlyAFinalFailureOrRevertIsRetriedAndOnlyOnce(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            let fence = try await lease(store)
            for (offset, status) in [TransactionStatus.failed, .reverted].enumerated() {
                let original = try await stored(store, status, fence: fence, offset: Int64(offset))
                let retry = RequestID()
                let before = try await store.statusCounts()
                #expect(try await store.markRetried(original: original.id, as: retry) == RetryLink(original: original.id, retriedAs: retry))
                #expect(try await store.retriedAs(original.id) == retry)
                // The failed request keeps its status and history; nothing was counted or published.
                #expect(try await store.request(original.id) == original)
                #expect(try await store.statusCounts() == before)
                // A second click, with the same or another retry id.
                #expect(await code { _ = try await store.markRetried(original: original.id, as: RequestID()) } == .alreadyRetried)
                #expect(await code { _ = try await store.markRetried(original: original.id, as: retry) } == .alreadyRetried)
                #expect(try await store.retriedAs(original.id) == retry)
            }
            var offset: Int64 = 10
            for status in [TransactionStatus.signed, .retrying, .unknown, .submitted, .replaced, .mined, .confirmed] {
                let request = try await stored(store, status, fence: fence, offset: offset)
                offset += 1
                #expect(await code { _ = try await store.markRetried(original: request.id, as: RequestID()) } == .notRetryable, "\(status)")
                #expect(try await store.retriedAs(request.id) == nil)
            }
            #expect(await code { _ = try await store.markRetried(original: RequestID(), as: RequestID()) } == .unknownRequest)
            let failed = try await stored(store, .failed, fence: fence, offset: 30)
            #expect(await code { _ = try await store.markRetried(original: failed.id, as: failed.id) } == .notRetryable)
            #expect(try await store.retriedAs(RequestID()) == nil)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func oneRetryIDRetriesOneRequest(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            let fence = try await lease(store)
            let first = try await stored(store, .failed, fence: fence, offset: 0)
            let second = try await stored(store, .failed, fence: fence, offset: 1)
            let retry = RequestID()
            _ = try await store.markRetried(original: first.id, as: retry)
            #expect(await code { _ = try await store.markRetried(original: second.id, as: retry) } == .alreadyRetried)
            #expect(try await store.retriedAs(second.id) == nil)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func theAuditEntryCommitsWithTheLinkAndOnlyWithIt(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            let fence = try await lease(store)
            let original = try await stored(store, .failed, fence: fence)
            let retry = RequestID()
            let entry = AuditEntry(user: "alice", action: .retry, requestID: original.id, reason: "nonce taken by a manual send", details: ["retried_as": retry.description])
            _ = try await store.markRetried(original: original.id, as: retry, audit: entry)
            let losing = AuditEntry(user: "bob", action: .retry, requestID: original.id, reason: "same")
            _ = await code { _ = try await store.markRetried(original: original.id, as: RequestID(), audit: losing) }
            #expect(try await store.audit(of: original.id, limit: 10).map(\.entry) == [entry])
        }
    }

    @Test(arguments: StoreKind.shareable, [2, 8])
    func ofConcurrentRetriesFromSeveralProcessesExactlyOneWins(kind: StoreKind, processes: Int) async throws {
        try await withStoresSharingOneDatabase(kind, count: processes) { stores in
            let first = try #require(stores.first)
            let fence = try await lease(first)
            let originals = [
                try await stored(first, .failed, fence: fence, offset: 0), try await stored(first, .reverted, fence: fence, offset: 1),
            ]
            for original in originals {
                let winners = Collected<RequestID>()
                let losers = Collected<StatusStoreError.Code>()
                try await withThrowingTaskGroup(of: Void.self) { group in
                    // Each process clicks three times, all at once.
                    for store in stores {
                        for click in 0..<3 {
                            group.addTask {
                                let retry = RequestID()
                                do {
                                    _ = try await store.markRetried(
                                        original: original.id, as: retry,
                                        audit: AuditEntry(user: "operator-\(click)", action: .retry, requestID: original.id, reason: "test"))
                                    winners.append(retry)
                                } catch let error as StatusStoreError {
                                    losers.append(error.code)
                                }
                            }
                        }
                    }
                    try await group.waitForAll()
                }
                let won = winners.all
                #expect(won.count == 1, "\(won)")
                #expect(losers.all == Array(repeating: .alreadyRetried, count: processes * 3 - 1))
                #expect(try await first.retriedAs(original.id) == won.first)
                #expect(try await first.audit(of: original.id, limit: 100).count == 1, "only the winner's click is audited")
            }
        }
    }
}
