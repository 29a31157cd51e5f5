import BroadcastModel
import EVMPrimitives
import Foundation
import StatusStore
import Testing

@Suite("Listing and counts")
struct ListingTests {
    @Test(arguments: StoreKind.allCases)
    func pagesComeNewestFirstAndCoverEveryRecordOnce(kind: StoreKind) async throws {
        let clock = TickingClock()
        try await withStore(kind, now: clock.now) { store in
            var stored: [TransactionRecord] = []
            for offset in 0..<5 {
                stored.append(try await intakeOne(store, makeRequest(), offset: Int64(offset)))
            }
            // Touching the oldest makes it the newest.
            let touched = try await store.recordAttempt(
                BroadcastAttempt(requestID: stored[0].id, number: 1, startedAt: fixedNow, finishedAt: fixedNow, outcome: .accepted),
                status: .broadcast, nextAttemptAt: nil)
            stored[0] = touched

            var seen: [TransactionRecord] = []
            var cursor: RecordCursor?
            var pages = 0
            repeat {
                let page = try await store.list(status: nil, limit: 2, before: cursor)
                seen += page.records
                cursor = page.next
                pages += 1
            } while cursor != nil
            #expect(pages == 3)
            #expect(seen == stored.sorted { $0.updatedAt > $1.updatedAt })
            #expect(seen.first?.id == touched.id)

            let broadcast = try await store.list(status: .broadcast, limit: 10, before: nil)
            #expect(broadcast == RecordPage(records: [touched], next: nil))
            let signed = try await store.list(status: .signed, limit: 10, before: nil)
            #expect(signed.records.map(\.id) == stored[1...].reversed().map(\.id))
        }
    }

    @Test(arguments: StoreKind.allCases)
    func recordsUpdatedInTheSameMillisecondArePagedByID(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            let results = try await store.intake(messages((0..<7).map { _ in makeRequest() }), sign: fakeSign)
            var ids: [RequestID] = []
            var cursor: RecordCursor?
            repeat {
                let page = try await store.list(status: .signed, limit: 3, before: cursor)
                ids += page.records.map(\.id)
                cursor = try page.next.map { try #require(RecordCursor(token: $0.token)) }
            } while cursor != nil
            #expect(ids == results.compactMap(\.record?.id).sorted { $0.description > $1.description })
        }
    }

    @Test(arguments: StoreKind.allCases)
    func countsCoverEveryStatus(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            #expect(try await store.countsByStatus() == [.signed: 0, .retrying: 0, .broadcast: 0, .failed: 0])
            let records = try await store.intake(messages((0..<3).map { _ in makeRequest() }), sign: fakeSign).compactMap(\.record)
            _ = try await store.recordAttempt(
                BroadcastAttempt(requestID: records[0].id, number: 1, startedAt: fixedNow, finishedAt: fixedNow, outcome: .rejected),
                status: .failed, nextAttemptAt: nil)
            #expect(try await store.countsByStatus() == [.signed: 2, .retrying: 0, .broadcast: 0, .failed: 1])
        }
    }

    @Test func cursorTokensRoundTripAndRejectJunk() throws {
        let cursor = RecordCursor(updatedAt: Date(timeIntervalSince1970: 1_750_000_000.123), id: RequestID())
        #expect(RecordCursor(token: cursor.token) == cursor)
        for junk in ["", "12", "x.\(RequestID())", "12.not-a-uuid", "1.2.3"] {
            #expect(RecordCursor(token: junk) == nil, "\(junk)")
        }
    }
}
