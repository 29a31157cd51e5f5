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
    func aThrowingSignLeavesNoRecordNoOffsetAndTheNonceUnchanged(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            try await store.reconcileNonce(sender: senderA, chainNext: Nonce(7))
            let first = makeRequest(), refused = makeRequest(), last = makeRequest()
            await #expect(throws: SigningRefused.self) {
                try await store.intake(messages([first, refused, last])) { request, nonce in
                    if request.id == refused.id { throw SigningRefused() }
                    return try fakeSign(request, nonce)
                }
            }
            #expect(try await store.record(first.id) == nil)
            #expect(try await store.record(refused.id) == nil)
            #expect(try store.startingOffsets(group: "broadcaster-workers", topic: "broadcaster.requests", partitions: [0]) == [:])
            #expect(try await intakeOne(store, first).nonce == Nonce(7))
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
    func aRetryNamesAStoredRequestOrTheBatchIsRefused(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            let original = try await intakeOne(store, makeRequest())
            let retry = try await intakeOne(store, makeRequest(retryOf: original.id), offset: 1)
            #expect(retry.request.retryOf == original.id)
            #expect(try await store.record(retry.id)?.request.retryOf == original.id)

            let orphan = makeRequest(retryOf: RequestID())
            let error = await #expect(throws: StatusStoreError.self) {
                try await store.intake(messages([orphan], firstOffset: 2), sign: fakeSign)
            }
            #expect(error?.code == .unknownRequest)
            #expect(error?.description.contains(orphan.id.description) == true)
            #expect(try await store.record(orphan.id) == nil)
        }
    }
}
