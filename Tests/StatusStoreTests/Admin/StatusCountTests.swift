import BroadcastModel
import EVMPrimitives
import Foundation
import Lifecycle
import SQLiteStore
import StatusStore
import Testing

@Suite("Status counters kept with every status change")
struct StatusCountTests {
    static let targets: [TransactionStatus] = [.retrying, .unknown, .submitted, .replaced, .mined, .confirmed, .reverted, .failed, .signed]

    @Test(arguments: StoreKind.allCases, [UInt64(1), 2, 3])
    func countersEqualTheRowsAfterRandomIntakesAndSaves(kind: StoreKind, seed: UInt64) async throws {
        var random = SeededRandom(seed: seed)
        try await withStore(kind) { store in
            let fences = try await leases(store)
            #expect(try await store.statusCounts().total == 0)
            // Each request as first stored (signed), from which any status is reachable.
            var signed: [RequestID: StoredRequest] = [:]
            var consumed: [ConsumedMessage] = []
            var offset: Int64 = 0
            for step in 0..<60 {
                if step % 3 == 0 || signed.isEmpty {
                    // New requests, with earlier messages replayed among them: those are not new.
                    var batch = (0..<Int.random(in: 1...4, using: &random)).map { _ -> ConsumedMessage in
                        defer { offset += 1 }
                        let sender = [senderA, senderB, senderC].randomElement(using: &random)!
                        return ConsumedMessage(request: makeRequest(from: sender), position: position(offset))
                    }
                    if !consumed.isEmpty, Bool.random(using: &random) { batch.append(consumed.randomElement(using: &random)!) }
                    let results = try await store.intake(batch, fences: fences, retryDeadline: .seconds(600), sign: fakeSign)
                    for case .new(let stored) in results { signed[stored.id] = stored }
                    consumed += batch
                } else {
                    // Saves of some requests at random statuses: final ones refuse to move and
                    // leave everything (the whole save) as it was.
                    let chosen = (0..<Int.random(in: 1...3, using: &random)).compactMap { _ in signed.values.randomElement(using: &random) }
                    let bySender = Dictionary(grouping: chosen, by: \.request.from)
                    for (sender, requests) in bySender {
                        let states = Dictionary(requests.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first }).values
                            .map { state($0, Self.targets.randomElement(using: &random)!) }
                        let before = try await store.statusCounts()
                        do {
                            try await store.save(states, attempts: [], fence: try #require(fences[sender]))
                        } catch let error as StatusStoreError where error.code == .finalStatus {
                            #expect(try await store.statusCounts() == before, "a refused save changed the counters")
                        }
                    }
                }
                let counts = try await store.statusCounts()
                #expect(counts.byStatus == (try await countedFromRows(store)), "after step \(step) (seed \(seed))")
                #expect(counts.total == signed.count)
                #expect(try await store.countsByStatus() == counts.byStatus)
            }
            let counts = try await store.statusCounts()
            #expect(counts.passed == counts[.confirmed] && counts.failed == counts[.failed] + counts[.reverted])
            #expect(counts.unfinished == counts.total - counts.passed - counts.failed)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func aSaveThatKeepsTheStatusCountsNothingTwice(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            let fence = try await lease(store)
            let stored = try await intakeOne(store, makeRequest(), fences: [senderA: fence])
            let submitted = state(stored, .submitted)
            try await store.save([submitted], attempts: [], fence: fence)
            try await store.save([submitted], attempts: [], fence: fence)
            // A replayed message is `.existing`, not counted again.
            _ = try await intakeOne(store, stored.request, fences: [senderA: fence])
            let counts = try await store.statusCounts()
            #expect(counts[.submitted] == 1 && counts[.signed] == 0 && counts.total == 1)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func aRefusedRequestIsNotCounted(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            let fence = try await lease(store)
            let results = try await store.intake(
                messages([makeRequest(), makeRequest(retryOf: RequestID())]), fences: [senderA: fence], retryDeadline: .seconds(600),
                sign: fakeSign)
            #expect(results.map(\.isNew) == [true, false])
            #expect(try await store.statusCounts().total == 1)
        }
    }
}
