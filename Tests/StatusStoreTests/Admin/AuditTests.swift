import BroadcastModel
import Foundation
import SQLiteStore
import StatusStore
import Testing

@Suite("The audit: who did what, when and why")
struct AuditTests {
    @Test(arguments: StoreKind.allCases)
    func entriesReadBackNewestFirstByRequestAndOverall(kind: StoreKind) async throws {
        let clock = TickingClock()
        try await withStore(kind, now: clock.now) { store in
            let one = RequestID()
            let other = RequestID()
            var appended: [AuditRecord] = []
            for index in 0..<7 {
                let entry = AuditEntry(
                    user: index % 2 == 0 ? "alice" : "bob", action: index == 6 ? .bulkRetry : .retry, requestID: index == 6 ? nil : (index % 3 == 0 ? one : other),
                    reason: index == 4 ? nil : "reason \(index)", details: index == 2 ? ["retried_as": RequestID().description, "chain": "no receipt"] : [:])
                appended.append(try await store.appendAudit(entry))
            }
            #expect(appended.map(\.id) == appended.map(\.id).sorted() && Set(appended.map(\.id)).count == 7)
            #expect(zip(appended, appended.dropFirst()).allSatisfy { $0.at < $1.at }, "at the store's time")
            let newest = Array(appended.reversed())
            #expect(try await store.recentAudit(limit: 100, before: nil) == newest)
            #expect(try await store.recentAudit(limit: 3, before: nil) == Array(newest.prefix(3)))
            #expect(try await store.recentAudit(limit: 3, before: newest[2].id) == Array(newest[3..<6]))
            #expect(try await store.audit(of: one, limit: 10) == newest.filter { $0.entry.requestID == one })
            #expect(try await store.audit(of: other, limit: 2) == Array(newest.filter { $0.entry.requestID == other }.prefix(2)))
            #expect(try await store.audit(of: RequestID(), limit: 10).isEmpty)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func anEntryWithoutAUserOrActionIsRefused(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            for entry in [AuditEntry(user: " ", action: .retry), AuditEntry(user: "alice", action: AuditAction(rawValue: ""))] {
                await #expect(throws: StatusStoreError.self) { _ = try await store.appendAudit(entry) }
            }
            let recorded = try await store.recentAudit(limit: 10, before: nil)
            #expect(recorded.isEmpty)
        }
    }
}
