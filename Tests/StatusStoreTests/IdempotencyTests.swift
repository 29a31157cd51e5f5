import BroadcastModel
import Foundation
import SQLiteStore
import StatusStore
import Testing

@Suite("Idempotency keys")
struct IdempotencyTests {
    func claim(_ key: UInt8, _ id: RequestID = RequestID(), body: UInt8 = 1) -> IdempotencyClaim {
        IdempotencyClaim(
            keyHash: [UInt8](repeating: key, count: 32), requestID: id,
            bodyHash: [UInt8](repeating: body, count: 32), at: fixedNow)
    }

    func answer(_ status: Int, _ body: String, wait: String? = nil) -> IdempotentAnswer {
        var headers = [IdempotentAnswer.Header(name: "Content-Type", value: "application/json; charset=utf-8")]
        if let wait { headers.append(.init(name: "Preference-Applied", value: wait)) }
        return IdempotentAnswer(status: status, headers: headers, body: Array(body.utf8))
    }

    @Test(arguments: StoreKind.allCases)
    func theFirstClaimWinsAndLaterOnesSeeIt(kind: StoreKind) async throws {
        try await withStore(kind) { store async throws in
            let first = claim(1, body: 9)
            #expect(try await store.claimIdempotencyKey(first) == .claimed)
            #expect(
                try await store.claimIdempotencyKey(claim(1, body: 2))
                    == .existing(requestID: first.requestID, bodyHash: first.bodyHash, firstAnswer: nil))
            #expect(
                try await store.claimIdempotencyKey(first)
                    == .existing(requestID: first.requestID, bodyHash: first.bodyHash, firstAnswer: nil))
            #expect(try await store.claimIdempotencyKey(claim(2)) == .claimed)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func concurrentClaimsOfOneKeyHaveOneWinner(kind: StoreKind) async throws {
        try await withStore(kind) { store async throws in
            let outcomes = try await withThrowingTaskGroup(of: IdempotencyOutcome.self) { group in
                for _ in 0..<16 {
                    group.addTask { try await store.claimIdempotencyKey(claim(7)) }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(outcomes.filter { $0 == .claimed }.count == 1)
            let winners = Set(outcomes.compactMap { outcome -> RequestID? in
                if case .existing(let id, _, _) = outcome { id } else { nil }
            })
            #expect(winners.count == 1)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func theFirstAnswerIsKeptByteForByteAndALaterOneDoesNotReplaceIt(kind: StoreKind) async throws {
        try await withStore(kind) { store async throws in
            let first = claim(3)
            #expect(try await store.claimIdempotencyKey(first) == .claimed)
            let accepted = answer(202, #"{"id":"\#(first.requestID)","status":"accepted"}"#, wait: "wait=1")
            #expect(try await store.recordFirstAnswer(accepted, forKey: first.keyHash) == accepted)

            // A concurrent repeat that also produced stores its own answer: the first stays.
            let later = answer(200, #"{"id":"\#(first.requestID)","status":"broadcast"}"#)
            #expect(try await store.recordFirstAnswer(later, forKey: first.keyHash) == accepted)
            #expect(
                try await store.claimIdempotencyKey(first)
                    == .existing(requestID: first.requestID, bodyHash: first.bodyHash, firstAnswer: accepted))
            // Another key is untouched.
            let other = claim(4)
            #expect(try await store.claimIdempotencyKey(other) == .claimed)
            #expect(
                try await store.claimIdempotencyKey(other)
                    == .existing(requestID: other.requestID, bodyHash: other.bodyHash, firstAnswer: nil))
        }
    }

    @Test(arguments: StoreKind.allCases)
    func anAnswerForAKeyNeverClaimedOrWithoutAnHTTPStatusIsRefused(kind: StoreKind) async throws {
        try await withStore(kind) { store async throws in
            let unclaimed = await #expect(throws: StatusStoreError.self) {
                try await store.recordFirstAnswer(answer(200, "{}"), forKey: [UInt8](repeating: 5, count: 32))
            }
            #expect(unclaimed?.code == .unknownRequest)
            let first = claim(6)
            _ = try await store.claimIdempotencyKey(first)
            for status in [0, 99, 600, -200] {
                let refused = await #expect(throws: StatusStoreError.self) {
                    try await store.recordFirstAnswer(answer(status, "{}"), forKey: first.keyHash)
                }
                #expect(refused?.code == .valueOutOfRange, "status \(status)")
            }
            #expect(
                try await store.claimIdempotencyKey(first)
                    == .existing(requestID: first.requestID, bodyHash: first.bodyHash, firstAnswer: nil))
        }
    }
}
