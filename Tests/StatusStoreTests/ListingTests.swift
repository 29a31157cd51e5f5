import BroadcastModel
import EVMPrimitives
import Foundation
import Lifecycle
import SQLiteStore
import StatusStore
import Testing

@Suite("Listing, counts and the chain head")
struct ListingTests {
    func allPages(_ store: any StatusStore, status: TransactionStatus?, limit: Int) async throws -> (records: [StoredRequest], pages: Int) {
        var seen: [StoredRequest] = []
        var cursor: RecordCursor?
        var pages = 0
        repeat {
            let page = try await store.list(status: status, limit: limit, before: cursor)
            #expect(page.records.count <= limit)
            seen += page.records
            // Through the text form, as the admin API passes it.
            cursor = try page.next.map { try #require(RecordCursor(token: $0.token)) }
            pages += 1
        } while cursor != nil && pages < 100
        return (seen, pages)
    }

    @Test(arguments: StoreKind.allCases)
    func pagesComeNewestFirstAndCoverEveryRecordOnce(kind: StoreKind) async throws {
        let clock = TickingClock()
        try await withStore(kind, now: clock.now) { store in
            let fence = try await lease(store, senderA)
            var stored: [StoredRequest] = []
            for offset in 0..<5 {
                stored.append(try await intakeOne(store, makeRequest(), fences: [senderA: fence], offset: Int64(offset)))
            }
            // Touching the oldest makes it the newest.
            try await store.save([state(stored[0], .submitted)], attempts: [], fence: fence)
            let touched = try #require(try await store.request(stored[0].id))
            stored[0] = touched

            let (seen, pages) = try await allPages(store, status: nil, limit: 2)
            #expect(pages == 3)
            #expect(seen == stored.sorted { $0.updatedAt > $1.updatedAt })
            #expect(seen.first?.id == touched.id)

            #expect(try await store.list(status: .submitted, limit: 10, before: nil) == RecordPage(records: [touched], next: nil))
            #expect(try await store.list(status: .signed, limit: 10, before: nil).records.map(\.id) == stored[1...].reversed().map(\.id))
            #expect(try await store.list(status: .confirmed, limit: 10, before: nil) == RecordPage(records: [], next: nil))
            let exact = try await store.list(status: .signed, limit: 4, before: nil)
            #expect(exact.records.count == 4 && exact.next == nil, "no next page when the last one is exactly full")
            #expect(try await store.list(status: nil, limit: 0, before: nil).records.isEmpty)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func recordsUpdatedInTheSameMillisecondArePagedByID(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            let fences = try await leases(store)
            let stored = try await intake(store, [senderA, senderB, senderA, senderC, senderA, senderB, senderA], fences: fences)
            let (seen, _) = try await allPages(store, status: .signed, limit: 3)
            #expect(seen.map(\.id) == stored.map(\.id).sorted { $0.description > $1.description })
        }
    }

    @Test(arguments: StoreKind.allCases)
    func eachStatusIsListedAndCounted(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            let everyStatus = TransactionStatus.allCases.filter { $0 != .accepted }
            var zero = Dictionary(uniqueKeysWithValues: everyStatus.map { ($0, 0) })
            #expect(try await store.countsByStatus() == zero)

            let fence = try await lease(store, senderA)
            let stored = try await intake(store, Array(repeating: senderA, count: everyStatus.count + 2), fences: [senderA: fence])
            try await store.save(zip(stored, everyStatus).map { state($0, $1) }, attempts: [], fence: fence)
            for status in everyStatus {
                zero[status] = status == .signed ? 3 : 1
            }
            #expect(try await store.countsByStatus() == zero)
            for (request, status) in zip(stored, everyStatus) {
                let listed = try await store.list(status: status, limit: 10, before: nil).records.map(\.id)
                #expect(listed.contains(request.id), "\(status)")
                #expect(listed.count == (status == .signed ? 3 : 1), "\(status)")
            }
        }
    }

    @Test func cursorTokensRoundTripAndRejectJunk() throws {
        let cursor = RecordCursor(updatedAt: Date(timeIntervalSince1970: 1_750_000_000.123), id: RequestID())
        #expect(RecordCursor(token: cursor.token) == cursor)
        for junk in ["", "12", "x.\(RequestID())", "12.not-a-uuid", "1.2.3", ".\(RequestID())"] {
            #expect(RecordCursor(token: junk) == nil, "\(junk)")
        }
    }

    @Test(arguments: StoreKind.allCases)
    func theChainHeadIsKeptAndReplaced(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            #expect(try await store.chainHead() == nil)
            try await store.saveChainHead(BlockNumber(1_234))
            #expect(try await store.chainHead() == BlockNumber(1_234))
            try await store.saveChainHead(BlockNumber(UInt64(Int64.max)))
            #expect(try await store.chainHead() == BlockNumber(UInt64(Int64.max)))
            // A reorganised chain may be shorter: the head is what the watcher saw last.
            try await store.saveChainHead(BlockNumber(1_200))
            #expect(try await store.chainHead() == BlockNumber(1_200))
            let error = await #expect(throws: StatusStoreError.self) { try await store.saveChainHead(BlockNumber(UInt64.max)) }
            #expect(error?.code == .valueOutOfRange)
            #expect(try await store.chainHead() == BlockNumber(1_200))
        }
    }
}
