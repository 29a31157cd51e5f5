import BroadcastModel
import EVMPrimitives
import Foundation
import Lifecycle
import SQLiteStore
import StatusStore
import Testing

@Suite("Saving lifecycles: fenced, one event per status change, versions and attempts once")
struct SaveTests {
    func attempt(_ stored: StoredRequest, _ number: Int, _ outcome: SendClass, version: Int = 1, error: String? = nil) -> BroadcastAttempt {
        BroadcastAttempt(
            requestID: stored.id, number: number, version: version, hash: stored.lifecycle.versions[version - 1].hash,
            startedAt: Date(timeIntervalSince1970: 1_750_000_001.5), finishedAt: Date(timeIntervalSince1970: 1_750_000_002.75),
            outcome: outcome, endpoint: "http://127.0.0.1:8545", error: error)
    }

    /// Nothing of a refused save is visible: the request, its attempts, its versions, the outbox.
    func expectUntouched(_ store: any StatusStore, _ stored: StoredRequest, _ comment: String) async throws {
        #expect(try await store.request(stored.id) == stored, "\(comment)")
        #expect(try await store.attempts(of: stored.id).isEmpty, "\(comment)")
        #expect(try await outboxEvents(store, of: stored.id).map(\.sequence) == [1], "\(comment)")
    }

    @Test(arguments: StoreKind.allCases)
    func aWriteWithoutTheSendersLeaseStoresNothing(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            let fences = try await leases(store, [senderA, senderB])
            let fence = try #require(fences[senderA])
            let mine = try await intakeOne(store, makeRequest(from: senderA), fences: fences)
            let theirs = try await intakeOne(store, makeRequest(from: senderB), fences: fences, offset: 1)
            let forgedSender = try #require(LifecycleState(
                id: theirs.id, sender: senderA, nonce: theirs.lifecycle.nonce, versions: theirs.lifecycle.versions, deadline: theirs.lifecycle.deadline))

            let cases: [(String, [LifecycleState], [BroadcastAttempt], LeaseFence)] = [
                ("a fence naming another owner", [state(mine, .submitted)], [attempt(mine, 1, .accepted)],
                 LeaseFence(sender: senderA, owner: "worker-2", epoch: fence.epoch, expiresAt: fence.expiresAt)),
                ("a fence of an epoch never given", [state(mine, .submitted)], [attempt(mine, 1, .accepted)],
                 LeaseFence(sender: senderA, owner: fence.owner, epoch: fence.epoch + 1, expiresAt: fence.expiresAt)),
                ("a state of another sender", [state(mine, .submitted), state(theirs, .submitted)], [], fence),
                ("another sender's request passed off as the fence's", [forgedSender], [], fence),
                ("an attempt of another sender's request", [state(mine, .submitted)], [attempt(theirs, 1, .accepted)], fence),
            ]
            for (name, states, attempts, fence) in cases {
                let error = await #expect(throws: StatusStoreError.self, "\(name)") {
                    try await store.save(states, attempts: attempts, fence: fence)
                }
                #expect(error?.code == .fenced, "\(name)")
                try await expectUntouched(store, mine, name)
                try await expectUntouched(store, theirs, name)
            }
        }
    }

    @Test(arguments: StoreKind.allCases)
    func aWriteAfterTheLeaseExpiredOrMovedStoresNothing(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            let fence = try await lease(store, senderA)
            let stored = try await intakeOne(store, makeRequest(), fences: [senderA: fence])

            // Expired by the store's clock (this store's own clock is frozen): refused, though
            // nobody took the lease yet.
            try await expire(store, fence)
            let expired = await #expect(throws: StatusStoreError.self) {
                try await store.save([state(stored, .submitted)], attempts: [attempt(stored, 1, .accepted)], fence: fence)
            }
            #expect(expired?.code == .fenced)
            #expect(expired?.description.contains(senderA.checksummed) == true)
            try await expectUntouched(store, stored, "expired")

            // Taken over: the old epoch is refused, the new owner's write goes through.
            let takeover = try await lease(store, senderA, owner: "worker-2")
            #expect(takeover.epoch == fence.epoch + 1)
            let stale = await #expect(throws: StatusStoreError.self) {
                try await store.save([state(stored, .submitted)], attempts: [], fence: fence)
            }
            #expect(stale?.code == .fenced)
            try await expectUntouched(store, stored, "taken over")
            try await store.save([state(stored, .submitted)], attempts: [attempt(stored, 1, .accepted)], fence: takeover)
            #expect(try await store.request(stored.id)?.status == .submitted)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func eachStatusChangeAddsOneEventWithTheNextSequence(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            let fence = try await lease(store, senderA)
            let stored = try await intakeOne(store, makeRequest(), fences: [senderA: fence])
            let other = try await intakeOne(store, makeRequest(), fences: [senderA: fence], offset: 1)
            let at = fixedNow.roundedToMilliseconds
            let replacement = makeVersion(stored.id, nonce: stored.lifecycle.nonce, number: 2, kind: .replacement, at: laterSigningTime)
            let steps: [(TransactionStatus, [LifecycleEvent])] = [
                (.unknown, [.sent(version: 1, .unknown(reason: "timed out after 30 s"), head: nil)]),
                (.submitted, [.sent(version: 1, .accepted, head: BlockNumber(990))]),
                (.replaced, [.signed(replacement), .sent(version: 2, .accepted, head: BlockNumber(991))]),
                (.mined, [.included(inclusion(of: replacement.hash))]),
                (.confirmed, [.head(BlockNumber(1001))]),
            ]
            var current = stored.lifecycle
            var expected = [current.event(sequence: 1, at: at)]
            for (sequence, (status, events)) in zip(2..., steps) {
                current = applying(events, to: current)
                #expect(current.status == status)
                try await store.save([current], attempts: [], fence: fence)
                let read = try #require(try await store.request(stored.id))
                #expect(read.status == status)
                #expect(read.sequence == sequence)
                #expect(read.lifecycle == current)
                expected.append(current.event(sequence: sequence, at: at))
                #expect(try await outboxEvents(store, of: stored.id) == expected, "\(status)")
            }
            let events = try await outboxEvents(store, of: stored.id)
            #expect(events.map(\.status) == [.signed, .unknown, .submitted, .replaced, .mined, .confirmed])
            #expect(events.map(\.sequence) == [1, 2, 3, 4, 5, 6])
            #expect(events.map(\.versions.count) == [1, 1, 1, 2, 2, 2])
            #expect(events.map(\.hash) == [stored.lifecycle.original.hash, stored.lifecycle.original.hash, stored.lifecycle.original.hash, replacement.hash, replacement.hash, replacement.hash])
            let mined = try #require(events.first { $0.status == .mined })
            #expect(mined.receipt == ReceiptSummary(
                hash: replacement.hash, block: BlockNumber(1000), blockHash: blockHash(UInt8(1000 % 251)), succeeded: true,
                gasUsed: Gas(43_210), effectiveGasPrice: .gwei(31)))
            #expect(events.first?.receipt == nil)
            // The other request was not touched.
            #expect(try await outboxEvents(store, of: other.id).map(\.sequence) == [1])
            #expect(try await store.request(other.id) == other)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func aSaveThatChangesNoStatusAddsNoEventButStoresTheState(kind: StoreKind) async throws {
        let clock = TickingClock()
        try await withStore(kind, now: clock.now) { store in
            let fence = try await lease(store, senderA)
            let stored = try await intakeOne(store, makeRequest(), fences: [senderA: fence])
            var submitted = state(stored, .submitted)
            try await store.save([submitted], attempts: [], fence: fence)
            let before = try #require(try await store.request(stored.id))

            submitted = applying([.poolChecked(version: 1, present: false)], to: submitted)
            #expect(submitted.status == .submitted)
            try await store.save([submitted], attempts: [], fence: fence)
            try await store.save([submitted], attempts: [], fence: fence)
            let after = try #require(try await store.request(stored.id))
            #expect(after.sequence == before.sequence)
            #expect(after.lifecycle == submitted)
            #expect(after.lifecycle.lastError?.contains("no longer holds") == true)
            #expect(after.updatedAt > before.updatedAt)
            #expect(try await outboxEvents(store, of: stored.id).map(\.status) == [.signed, .submitted])
        }
    }

    @Test(arguments: StoreKind.allCases)
    func newVersionsAreStoredOnceInOrder(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            let fence = try await lease(store, senderA)
            let stored = try await intakeOne(store, makeRequest(), fences: [senderA: fence])
            let replaced = state(stored, .replaced)
            try await store.save([replaced], attempts: [], fence: fence)
            try await store.save([replaced], attempts: [], fence: fence)
            #expect(try await store.request(stored.id)?.lifecycle.versions == replaced.versions)

            let cancellation = makeVersion(stored.id, nonce: stored.lifecycle.nonce, number: 3, kind: .cancellation, at: laterSigningTime)
            let cancelled = applying([.signed(cancellation), .sent(version: 3, .accepted, head: nil)], to: replaced)
            try await store.save([cancelled], attempts: [], fence: fence)
            try await store.save([cancelled], attempts: [], fence: fence)
            let read = try #require(try await store.request(stored.id))
            #expect(read.lifecycle.versions.map(\.kind) == [.original, .replacement, .cancellation])
            #expect(read.lifecycle.versions.map(\.number) == [1, 2, 3])
            #expect(read.lifecycle.versions == cancelled.versions)
            #expect(read.lifecycle.latest.raw == cancellation.raw && read.lifecycle.latest.fees == cancellation.fees)
            // Both later saves changed nothing of the status: one event each for replaced, and
            // the cancellation is still "replaced".
            #expect(try await outboxEvents(store, of: stored.id).map(\.status) == [.signed, .replaced])
        }
    }

    @Test(arguments: StoreKind.allCases)
    func attemptsAreStoredOnceByNumber(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            let fence = try await lease(store, senderA)
            let stored = try await intakeOne(store, makeRequest(), fences: [senderA: fence])
            let other = try await intakeOne(store, makeRequest(), fences: [senderA: fence], offset: 1)
            let first = attempt(stored, 1, .unknown, error: "timed out after 30 s")
            let second = attempt(stored, 2, .accepted)
            try await store.save([state(stored, .unknown)], attempts: [first], fence: fence)
            // Attempts alone, out of order, one of them again with other words: kept once, as first stored.
            var reworded = first
            reworded.error = "another account of the same send"
            try await store.save([], attempts: [second, reworded], fence: fence)
            #expect(try await store.attempts(of: stored.id) == [first, second])
            #expect(try await store.attempts(of: other.id).isEmpty)
            #expect(try await store.attempts(of: RequestID()).isEmpty)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func aSaveNamingAnUnknownRequestStoresNoneOfIt(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            let fence = try await lease(store, senderA)
            let stored = try await intakeOne(store, makeRequest(), fences: [senderA: fence])
            let unknown = LifecycleState(
                id: RequestID(), sender: senderA, nonce: Nonce(99), original: makeVersion(RequestID(), nonce: Nonce(99)), deadline: fixedNow)
            let error = await #expect(throws: StatusStoreError.self) {
                try await store.save([state(stored, .submitted), unknown], attempts: [attempt(stored, 1, .accepted)], fence: fence)
            }
            #expect(error?.code == .unknownRequest)
            #expect(error?.description.contains(unknown.id.description) == true)
            try await expectUntouched(store, stored, "unknown request in the batch")
        }
    }

    @Test(arguments: StoreKind.allCases)
    func aValueBeyondWhatTheStoreKeepsIsRefusedAndNothingIsStored(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            let fence = try await lease(store, senderA)
            let stored = try await intakeOne(store, makeRequest(), fences: [senderA: fence])
            let absurd = applying(
                [.sent(version: 1, .accepted, head: nil), .included(inclusion(of: stored.lifecycle.original.hash, block: UInt64.max))],
                to: stored.lifecycle)
            let error = await #expect(throws: StatusStoreError.self) {
                try await store.save([absurd], attempts: [attempt(stored, 1, .accepted)], fence: fence)
            }
            #expect(error?.code == .valueOutOfRange)
            try await expectUntouched(store, stored, "out of range")
        }
    }

    @Test(arguments: StoreKind.allCases)
    func aFinalStatusIsNeverTakenBack(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            let fence = try await lease(store, senderA)
            let stored = try await intakeOne(store, makeRequest(), fences: [senderA: fence])
            let confirmed = state(stored, .confirmed)
            try await store.save([confirmed], attempts: [], fence: fence)
            let final = try #require(try await store.request(stored.id))
            for status in [TransactionStatus.signed, .submitted, .mined, .failed] {
                let error = await #expect(throws: StatusStoreError.self, "\(status)") {
                    try await store.save([state(stored, status)], attempts: [], fence: fence)
                }
                #expect(error?.code == .finalStatus, "\(status)")
                #expect(try await store.request(stored.id) == final)
            }
            // The same final state again, even with a late send counted, is no regression.
            let late = applying([.sent(version: 1, .accepted, head: nil)], to: confirmed)
            try await store.save([late], attempts: [attempt(stored, 1, .accepted)], fence: fence)
            #expect(try await store.request(stored.id)?.lifecycle == late)
            #expect(try await outboxEvents(store, of: stored.id).map(\.status) == [.signed, .confirmed])
        }
    }

    /// PostgreSQL writes a save in grouped statements, split before the server's bind limit:
    /// 1,500 changed requests are more than one statement holds.
    @Test(arguments: StoreKind.allCases)
    func aSaveOfManyRequestsStoresEveryRowVersionEventAndAttemptOnce(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            let fence = try await lease(store, senderA)
            let count = 1_500
            let results = try await store.intake(
                messages((0..<count).map { _ in makeRequest() }), fences: [senderA: fence], retryDeadline: .seconds(600), sign: fakeSign)
            let stored = try results.map { try #require($0.stored) }
            #expect(stored.count == count)
            let replaced = stored.map { state($0, .replaced) }
            let second = try zip(stored, replaced).map { request, state in
                let version = try #require(state.versions.last)
                return BroadcastAttempt(
                    requestID: request.id, number: 2, version: version.number, hash: version.hash,
                    startedAt: Date(timeIntervalSince1970: 1_750_000_003), finishedAt: Date(timeIntervalSince1970: 1_750_000_004),
                    outcome: .accepted, endpoint: "http://127.0.0.1:8545", error: nil)
            }
            let attempts = stored.map { attempt($0, 1, .accepted) } + second
            try await store.save(replaced, attempts: attempts, fence: fence)
            // Saved again, as after a retried commit: nothing is added twice.
            try await store.save(replaced, attempts: attempts, fence: fence)

            for (request, expected) in zip(stored, replaced) {
                let read = try #require(try await store.request(request.id))
                #expect(read.status == .replaced)
                #expect(read.lifecycle == expected)
                #expect(read.sequence == 2)
                #expect(try await store.attempts(of: request.id).map(\.number) == [1, 2])
            }
            let events = try await outboxEvents(store)
            #expect(events.count == 2 * count)
            #expect(events.filter { $0.event.status == .replaced }.count == count)
            #expect(try await store.countsByStatus()[.replaced] == count)
            #expect(try await store.countsByStatus()[.signed, default: 0] == 0)
        }
    }
}
