import BroadcastModel
import EVMPrimitives
import Foundation
import StatusStore
import Testing

@Suite("Attempts and statuses")
struct AttemptTests {
    let started = Date(timeIntervalSince1970: 1_750_000_001.5)
    let finished = Date(timeIntervalSince1970: 1_750_000_002.75)

    func attempt(_ id: RequestID, _ number: Int, _ outcome: BroadcastAttempt.Outcome, error: String? = nil) -> BroadcastAttempt {
        BroadcastAttempt(
            requestID: id, number: number, startedAt: started, finishedAt: finished, outcome: outcome,
            endpoint: "http://127.0.0.1:8545", error: error)
    }

    @Test(arguments: StoreKind.allCases)
    func attemptsAreStoredAndMoveTheStatus(kind: StoreKind) async throws {
        let clock = TickingClock()
        try await withStore(kind, now: clock.now) { store in
            let stored = try await intakeOne(store, makeRequest())
            let due = Date(timeIntervalSince1970: 1_750_000_010)
            let first = attempt(stored.id, 1, .retryable, error: "timed out after 45 s")
            let retrying = try await store.recordAttempt(first, status: .retrying, nextAttemptAt: due)
            #expect(retrying.status == .retrying)
            #expect(retrying.attempts == 1)
            #expect(retrying.nextAttemptAt == due)
            #expect(retrying.lastError == "timed out after 45 s")
            #expect(retrying.updatedAt > stored.updatedAt)
            #expect(try await store.record(stored.id) == retrying)

            let second = attempt(stored.id, 2, .accepted)
            let broadcast = try await store.recordAttempt(second, status: .broadcast, nextAttemptAt: due)
            #expect(broadcast.status == .broadcast)
            #expect(broadcast.attempts == 2)
            #expect(broadcast.nextAttemptAt == nil)
            #expect(broadcast.lastError == nil)
            #expect(broadcast.rawTransaction == stored.rawTransaction)
            #expect(try await store.record(stored.id) == broadcast)
            #expect(try await store.attempts(of: stored.id) == [first, second])
        }
    }

    @Test(arguments: StoreKind.allCases)
    func finalStatusesNeverRegress(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            let done = try await intakeOne(store, makeRequest())
            let broadcast = try await store.recordAttempt(attempt(done.id, 1, .accepted), status: .broadcast, nextAttemptAt: nil)
            for status in [TransactionStatus.signed, .retrying, .failed] {
                let error = await #expect(throws: StatusStoreError.self) {
                    try await store.recordAttempt(attempt(done.id, 2, .retryable), status: status, nextAttemptAt: nil)
                }
                #expect(error?.code == .finalStatus)
                #expect(error?.description.contains("already broadcast") == true)
            }
            #expect(try await store.record(done.id) == broadcast)
            #expect(try await store.attempts(of: done.id).count == 1)

            let refused = try await intakeOne(store, makeRequest(), offset: 1)
            _ = try await store.recordAttempt(attempt(refused.id, 1, .rejected, error: "insufficient funds"), status: .failed, nextAttemptAt: nil)
            let error = await #expect(throws: StatusStoreError.self) {
                try await store.recordAttempt(attempt(refused.id, 2, .accepted), status: .broadcast, nextAttemptAt: nil)
            }
            #expect(error?.code == .finalStatus)
            #expect(try await store.record(refused.id)?.status == .failed)

            // The same final status again is not a regression: a late duplicate attempt is kept.
            let again = try await store.recordAttempt(attempt(done.id, 2, .accepted), status: .broadcast, nextAttemptAt: nil)
            #expect(again.status == .broadcast && again.attempts == 2)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func aDuplicateOrOrphanAttemptIsRefusedClearly(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            let stored = try await intakeOne(store, makeRequest())
            let once = try await store.recordAttempt(attempt(stored.id, 1, .retryable), status: .retrying, nextAttemptAt: nil)
            let duplicate = await #expect(throws: StatusStoreError.self) {
                try await store.recordAttempt(attempt(stored.id, 1, .accepted), status: .broadcast, nextAttemptAt: nil)
            }
            #expect(duplicate?.code == .duplicateAttempt)
            #expect(try await store.record(stored.id) == once)

            let unknown = RequestID()
            let orphan = await #expect(throws: StatusStoreError.self) {
                try await store.recordAttempt(attempt(unknown, 1, .accepted), status: .broadcast, nextAttemptAt: nil)
            }
            #expect(orphan?.code == .unknownRequest)
            #expect(orphan?.description.contains(unknown.description) == true)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func unfinishedWorkComesBySenderThenNonce(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            let results = try await store.intake(
                messages([senderB, senderA, senderA, senderB, senderA].map { makeRequest(from: $0) }), sign: fakeSign)
            let records = results.compactMap(\.record)
            // A0 broadcast, B1 failed, A1 retrying; A1, A2, B0 remain.
            _ = try await store.recordAttempt(attempt(records[1].id, 1, .accepted), status: .broadcast, nextAttemptAt: nil)
            _ = try await store.recordAttempt(attempt(records[3].id, 1, .rejected), status: .failed, nextAttemptAt: nil)
            _ = try await store.recordAttempt(attempt(records[2].id, 1, .retryable), status: .retrying, nextAttemptAt: finished)

            let unfinished = try await store.unfinished(limit: 10)
            let expected = [records[2].id, records[4].id, records[0].id].compactMap { id in records.first { $0.id == id } }
                .sorted { ($0.request.from.checksummed, $0.nonce) < ($1.request.from.checksummed, $1.nonce) }
            #expect(unfinished.map(\.id) == expected.map(\.id))
            #expect(unfinished.map(\.status).sorted { $0.rawValue < $1.rawValue } == [.retrying, .signed, .signed])
            #expect(try await store.unfinished(limit: 2).map(\.id) == Array(expected.prefix(2)).map(\.id))
        }
    }

    @Test(arguments: StoreKind.allCases)
    func unfinishedWorkOfPartitionsComesFromThosePartitionsOnly(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            // Partition 0: B, A, A; partition 1: A, B; partition 0 of another topic: A.
            let first = try await store.intake(
                messages([senderB, senderA, senderA].map { makeRequest(from: $0) }, partition: 0)
                    + messages([senderA, senderB].map { makeRequest(from: $0) }, partition: 1)
                    + [ConsumedMessage(request: makeRequest(), position: position(0, topic: "other.requests"))],
                sign: fakeSign)
            let records = first.compactMap(\.record)
            try #require(records.count == 6)
            // Partition 0: A (index 1) broadcast, A (index 2) retrying; the attempt keeps the source.
            _ = try await store.recordAttempt(attempt(records[1].id, 1, .accepted), status: .broadcast, nextAttemptAt: nil)
            _ = try await store.recordAttempt(attempt(records[2].id, 1, .retryable), status: .retrying, nextAttemptAt: finished)

            func bySenderThenNonce(_ records: [TransactionRecord]) -> [TransactionRecord] {
                records.sorted { ($0.request.from.checksummed, $0.nonce) < ($1.request.from.checksummed, $1.nonce) }
            }
            let partition0 = try await store.unfinished(topic: "broadcaster.requests", partitions: [0], limit: 10)
            #expect(partition0.map(\.id) == bySenderThenNonce([records[0], records[2]]).map(\.id))
            #expect(Set(partition0.map(\.status)) == [.retrying, .signed])

            let both = try await store.unfinished(topic: "broadcaster.requests", partitions: [1, 0], limit: 10)
            let expected = bySenderThenNonce([records[0], records[2], records[3], records[4]])
            #expect(both.map(\.id) == expected.map(\.id))
            #expect(try await store.unfinished(topic: "broadcaster.requests", partitions: [0, 1], limit: 2).map(\.id)
                == Array(expected.prefix(2)).map(\.id))

            #expect(try await store.unfinished(topic: "other.requests", partitions: [0], limit: 10).map(\.id) == [records[5].id])
            #expect(try await store.unfinished(topic: "broadcaster.requests", partitions: [2], limit: 10).isEmpty)
            #expect(try await store.unfinished(topic: "broadcaster.requests", partitions: [], limit: 10).isEmpty)
        }
    }
}
