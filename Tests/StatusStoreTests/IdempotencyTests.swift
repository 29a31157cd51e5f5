import BroadcastModel
import Foundation
import StatusStore
import Testing

@Suite("Idempotency keys")
struct IdempotencyTests {
    func claim(_ key: UInt8, _ id: RequestID = RequestID(), body: UInt8 = 1) -> IdempotencyClaim {
        IdempotencyClaim(
            keyHash: [UInt8](repeating: key, count: 32), requestID: id,
            bodyHash: [UInt8](repeating: body, count: 32), at: fixedNow)
    }

    @Test(arguments: StoreKind.allCases)
    func theFirstClaimWinsAndLaterOnesSeeIt(kind: StoreKind) async throws {
        try await withStore(kind) { store async throws in
            let first = claim(1, body: 9)
            #expect(try await store.claimIdempotencyKey(first) == .claimed)
            #expect(try await store.claimIdempotencyKey(claim(1, body: 2)) == .existing(requestID: first.requestID, bodyHash: first.bodyHash))
            #expect(try await store.claimIdempotencyKey(first) == .existing(requestID: first.requestID, bodyHash: first.bodyHash))
            #expect(try await store.claimIdempotencyKey(claim(2)) == .claimed)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func concurrentClaimsOfOneKeyHaveOneWinner(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            let outcomes = try await withThrowingTaskGroup(of: IdempotencyOutcome.self) { group in
                for _ in 0..<16 {
                    group.addTask { try await store.claimIdempotencyKey(claim(7)) }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(outcomes.filter { $0 == .claimed }.count == 1)
            let winners = Set(outcomes.compactMap { outcome -> RequestID? in
                if case .existing(let id, _) = outcome { id } else { nil }
            })
            #expect(winners.count == 1)
        }
    }
}
