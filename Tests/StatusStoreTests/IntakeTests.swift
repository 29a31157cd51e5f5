import BroadcastModel
import EVMPrimitives
import Foundation
import StatusStore
import Testing

@Suite("Intake: nonces, signing, offsets in one transaction")
struct IntakeTests {
    @Test(arguments: StoreKind.allCases)
    func storesNewRequestsSignedWithTheSendersNextNonce(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            let request = makeRequest()
            let results = try await store.intake(messages([request]), sign: fakeSign)
            guard case .new(let record) = try #require(results.first) else {
                Issue.record("expected .new, got \(results)")
                return
            }
            #expect(record.status == .signed)
            #expect(record.nonce == Nonce(0))
            #expect(record.rawTransaction == (try fakeSign(request, Nonce(0))).raw)
            #expect(record.attempts == 0)
            #expect(record.createdAt == record.updatedAt)
            // Returned exactly as stored, times rounded to the millisecond the same way.
            #expect(try await store.record(request.id) == record)
            #expect(abs(record.request.acceptedAt.timeIntervalSince(request.acceptedAt)) < 0.001)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func aRequestThatCannotBeSignedIsRefusedAloneTakesNoNonceAndHoldsItsPartition(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            try await store.reconcileNonce(sender: senderA, chainNext: Nonce(7))
            let first = makeRequest(), refused = makeRequest(), last = makeRequest()
            let batch = messages([first, refused, last]) + messages([makeRequest(from: senderB)], partition: 1)
            let results = try await store.intake(batch) { request, nonce in
                if request.id == refused.id { throw SigningRefused() }
                return try fakeSign(request, nonce)
            }
            #expect(results.map(\.record?.nonce.value) == [7, nil, 8, 0])
            guard case .refused(let refusal) = results[1] else {
                Issue.record("expected the unsignable request to be refused, got \(results[1])")
                return
            }
            #expect(refusal.kind == .unsignable)
            #expect(refusal.reason.contains(refused.id.description))
            #expect(try await store.record(refused.id) == nil)
            #expect(try await store.record(last.id)?.nonce == Nonce(8))
            // Partition 0 stays at the refused message (offset 1) until it is taken in again;
            // partition 1 moves on.
            let group = "broadcaster-workers", topic = "broadcaster.requests"
            #expect(try store.startingOffsets(group: group, topic: topic, partitions: [0, 1]) == [0: 1, 1: 1])
            let replayed = try await store.intake(messages([refused, last], firstOffset: 1)) { request, _ in
                if request.id != refused.id { Issue.record("a stored request must not be signed again") }
                throw SigningRefused()
            }
            #expect(replayed.map(\.isRefused) == [true, false], "the refused one again, the stored one as .existing")
            _ = try await store.intake(messages([nil, nil], firstOffset: 1), sign: fakeSign)
            #expect(try store.startingOffsets(group: group, topic: topic, partitions: [0]) == [0: 3])
            #expect(try await intakeOne(store, makeRequest(), offset: 3).nonce == Nonce(9))
        }
    }

    @Test(arguments: StoreKind.allCases)
    func aRequestSeenBeforeIsReturnedUnchangedAndUsesNoNonce(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            let request = makeRequest()
            let batch = try await store.intake(messages([request, request]), sign: fakeSign)
            #expect(batch.map(\.isNew) == [true, false])
            #expect(batch[0].record == batch[1].record)

            let replay = try await store.intake(messages([request], firstOffset: 2)) { _, _ in
                Issue.record("a stored request must not be signed again")
                throw SigningRefused()
            }
            #expect(replay == [.existing(try #require(batch[0].record))])
            #expect(try await intakeOne(store, makeRequest(), offset: 3).nonce == Nonce(1))
        }
    }

    @Test(arguments: StoreKind.allCases)
    func noncesAreContiguousPerSenderAcrossBatches(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            let first = try await store.intake(
                messages([makeRequest(from: senderA), makeRequest(from: senderB), makeRequest(from: senderA)]),
                sign: fakeSign)
            let second = try await store.intake(
                messages([makeRequest(from: senderB), nil, makeRequest(from: senderA)], firstOffset: 3),
                sign: fakeSign)
            let nonces = (first + second).map { $0.record?.nonce.value }
            #expect(nonces == [0, 0, 1, 1, nil, 2])
            #expect(second[1] == .skipped)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func reconcileOnlyRaisesTheNextNonce(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            try await store.reconcileNonce(sender: senderA, chainNext: Nonce(5))
            #expect(try await intakeOne(store, makeRequest(), offset: 0).nonce == Nonce(5))
            try await store.reconcileNonce(sender: senderA, chainNext: Nonce(3))
            #expect(try await intakeOne(store, makeRequest(), offset: 1).nonce == Nonce(6))
            try await store.reconcileNonce(sender: senderA, chainNext: Nonce(10))
            #expect(try await intakeOne(store, makeRequest(), offset: 2).nonce == Nonce(10))
            #expect(try await intakeOne(store, makeRequest(from: senderB), offset: 3).nonce == Nonce(0))
        }
    }

    @Test(arguments: StoreKind.allCases)
    func offsetsOnlyMoveForwardPerGroupTopicAndPartition(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            _ = try await store.intake(
                [
                    ConsumedMessage(request: nil, position: position(10, partition: 0)),
                    ConsumedMessage(request: makeRequest(), position: position(4, partition: 1)),
                    ConsumedMessage(request: nil, position: position(8, partition: 0)),
                    ConsumedMessage(request: nil, position: position(99, partition: 0, group: "other-group")),
                ],
                sign: fakeSign)
            // A replayed older batch does not rewind partition 0.
            _ = try await store.intake([ConsumedMessage(request: nil, position: position(3, partition: 0))], sign: fakeSign)
            _ = try await store.intake([ConsumedMessage(request: nil, position: position(5, partition: 1))], sign: fakeSign)

            let offsets = try store.startingOffsets(group: "broadcaster-workers", topic: "broadcaster.requests", partitions: [0, 1, 2])
            #expect(offsets == [0: 11, 1: 6])
            #expect(try store.startingOffsets(group: "other-group", topic: "broadcaster.requests", partitions: [0]) == [0: 100])
            #expect(try store.startingOffsets(group: "broadcaster-workers", topic: "other.topic", partitions: [0]) == [:])
            #expect(try store.startingOffsets(group: "broadcaster-workers", topic: "broadcaster.requests", partitions: []) == [:])
        }
    }

    @Test(arguments: StoreKind.allCases)
    func aRetryOfAnUnknownRequestIsRefusedAndTheRestOfTheBatchIsStored(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            let original = try await intakeOne(store, makeRequest())
            let retry = try await intakeOne(store, makeRequest(retryOf: original.id), offset: 1)
            #expect(retry.request.retryOf == original.id)
            #expect(try await store.record(retry.id)?.request.retryOf == original.id)

            let orphan = makeRequest(retryOf: RequestID())
            let next = makeRequest()
            let elsewhere = makeRequest(from: senderB)
            let results = try await store.intake(
                messages([orphan, next], firstOffset: 2) + messages([elsewhere], firstOffset: 5, partition: 1), sign: fakeSign)
            guard case .refused(let refusal) = results[0] else {
                Issue.record("expected the orphan retry to be refused, got \(results[0])")
                return
            }
            #expect(refusal.kind == .unknownOriginal)
            #expect(refusal.reason.contains(orphan.id.description))
            #expect(results[1...].map(\.isNew) == [true, true])
            #expect(try await store.record(orphan.id) == nil)
            // The orphan took no nonce: the next request of its sender got the one after the retry's.
            #expect(results[1].record?.nonce == Nonce(2))
            #expect(
                try store.startingOffsets(group: "broadcaster-workers", topic: "broadcaster.requests", partitions: [0, 1])
                    == [0: 2, 1: 6])
        }
    }

    @Test func aWriteLockHeldTooLongIsATransientErrorAndNothingOfTheBatchIsStored() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("status.sqlite").path
            let store = try SQLiteStatusStore(path: path, busyTimeout: .milliseconds(100))
            let request = makeRequest()
            try await holdingTheWriteLock(of: path) {
                let error = await #expect(throws: StatusStoreError.self) {
                    try await store.intake(messages([request]), sign: fakeSign)
                }
                #expect(error?.code == .busy)
                #expect(error?.isTransient == true)
                #expect(error?.description.contains("store.busyTimeout") == true)
            }
            #expect(try await store.record(request.id) == nil)
            #expect(try await intakeOne(store, request).nonce == Nonce(0), "the same batch succeeds once the lock is free")
        }
    }
}
