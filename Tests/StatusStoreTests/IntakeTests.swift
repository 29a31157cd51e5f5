import BroadcastModel
import EVMPrimitives
import Foundation
import Lifecycle
import SQLiteStore
import StatusStore
import Testing

@Suite("Intake: dedupe, nonce, signature, outbox and offset in one transaction")
struct IntakeTests {
    @Test(arguments: StoreKind.allCases)
    func aNewRequestGetsTheSendersNextNonceItsOriginalAndASignedEvent(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            let fences = try await leases(store)
            let request = makeRequest()
            let results = try await store.intake(messages([request], firstOffset: 41, partition: 3), fences: fences, retryDeadline: .seconds(600), sign: fakeSign)
            guard case .new(let stored) = try #require(results.first) else {
                Issue.record("expected .new, got \(results)")
                return
            }
            let original = makeVersion(request.id, nonce: Nonce(0))
            #expect(stored.lifecycle.nonce == Nonce(0))
            #expect(stored.status == .signed)
            #expect(stored.sequence == 1)
            #expect(stored.lifecycle.versions.map(\.hash) == [original.hash])
            #expect(stored.lifecycle.original.raw == original.raw)
            #expect(stored.lifecycle.original.fees == original.fees)
            #expect(stored.lifecycle.original.kind == .original && stored.lifecycle.original.number == 1)
            #expect(stored.lifecycle.deadline == fixedNow.addingTimeInterval(600).roundedToMilliseconds)
            #expect(stored.lifecycle.nextSendAt != nil, "a new request is due to be sent")
            #expect(stored.createdAt == fixedNow.roundedToMilliseconds && stored.updatedAt == stored.createdAt)
            #expect(stored.sourceTopic == requestsTopic && stored.sourcePartition == 3)
            #expect(abs(stored.request.acceptedAt.timeIntervalSince(request.acceptedAt)) < 0.001)
            // Returned exactly as stored: times rounded the same way on the way in and out.
            #expect(try await store.request(request.id) == stored)

            let events = try await outboxEvents(store)
            #expect(events.count == 1)
            let event = try #require(events.first?.event)
            #expect(event == stored.lifecycle.event(sequence: 1, at: fixedNow.roundedToMilliseconds))
            #expect(event.status == .signed && event.sequence == 1 && event.hash == original.hash && event.nonce == Nonce(0))
            #expect(try store.startingOffsets(group: workersGroup, topic: requestsTopic, partitions: [3]) == [3: 42])
        }
    }

    @Test(arguments: StoreKind.allCases)
    func noncesAreContiguousPerSenderAcrossBatches(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            let fences = try await leases(store)
            let first = try await store.intake(
                messages([makeRequest(from: senderA), makeRequest(from: senderB), makeRequest(from: senderA)]),
                fences: fences, retryDeadline: .seconds(600), sign: fakeSign)
            let second = try await store.intake(
                messages([makeRequest(from: senderB), nil, makeRequest(from: senderA)], firstOffset: 3),
                fences: fences, retryDeadline: .seconds(600), sign: fakeSign)
            #expect((first + second).map { $0.stored?.lifecycle.nonce.value } == [0, 0, 1, 1, nil, 2])
            #expect(second[1] == .skipped)
            #expect(try store.startingOffsets(group: workersGroup, topic: requestsTopic, partitions: [0]) == [0: 6])
        }
    }

    /// PostgreSQL writes a batch's new rows a statement per 1,000 messages; a batch of 2,500
    /// spans three, with a duplicate across two of them.
    @Test(arguments: StoreKind.allCases)
    func aBatchLargerThanOneGroupedStatementIsStoredWhole(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            let fences = try await leases(store)
            var requests = (0..<2_499).map { makeRequest(from: $0 % 2 == 0 ? senderA : senderB) }
            requests.append(requests[5])
            let results = try await store.intake(messages(requests), fences: fences, retryDeadline: .seconds(600), sign: fakeSign)
            #expect(results.filter(\.isNew).count == 2_499)
            #expect(results.last?.isExisting == true && results.last?.stored == results[5].stored)
            let nonces = results.dropLast().map { $0.stored?.lifecycle.nonce.value }
            #expect(nonces == (0..<2_499).map { UInt64($0 / 2) })
            for index in [0, 999, 1_000, 1_001, 2_498] {
                #expect(try await store.request(requests[index].id) == results[index].stored, "request \(index)")
            }
            #expect(try await outboxEvents(store).count == 2_499)
            #expect(try store.startingOffsets(group: workersGroup, topic: requestsTopic, partitions: [0]) == [0: 2_500])
        }
    }

    @Test(arguments: StoreKind.allCases)
    func aRequestSeenBeforeIsReturnedUnchangedAndUsesNoNonceNorEvent(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            let fences = try await leases(store)
            let request = makeRequest()
            let batch = try await store.intake(messages([request, request]), fences: fences, retryDeadline: .seconds(600), sign: fakeSign)
            #expect(batch.map(\.isNew) == [true, false])
            #expect(batch.map(\.isExisting) == [false, true])
            let stored = try #require(batch[0].stored)
            #expect(batch[1].stored == stored)

            let replay = try await store.intake(messages([request], firstOffset: 2), fences: fences, retryDeadline: .seconds(600)) { _, _ in
                Issue.record("a stored request must not be signed again")
                throw SigningRefused()
            }
            #expect(replay == [.existing(stored)])
            // A replay needs no lease: the request is stored, nothing is written about its sender.
            #expect(try await store.intake(messages([request], firstOffset: 3), fences: [:], retryDeadline: .seconds(600), sign: fakeSign) == [.existing(stored)])
            #expect(try await outboxEvents(store).count == 1)
            #expect(try await nextNonce(store, senderA, fences: fences, offset: 4) == Nonce(1))
            #expect(try store.startingOffsets(group: workersGroup, topic: requestsTopic, partitions: [0]) == [0: 5])
        }
    }

    // MARK: Fences

    @Test(arguments: StoreKind.allCases)
    func withoutTheSendersLeaseNothingOfTheBatchIsStored(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            let fenceA = try await lease(store, senderA)
            let heldElsewhere = try await lease(store, senderC, owner: "worker-2")
            let expiring = try await lease(store, senderB)
            try await expire(store, expiring)
            let forged = LeaseFence(sender: senderC, owner: "worker-1", epoch: heldElsewhere.epoch, expiresAt: heldElsewhere.expiresAt)

            let cases: [(String, [Address: LeaseFence], Address)] = [
                ("no fence for the sender", [senderA: fenceA], senderB),
                ("the fence of another sender under the sender's key", [senderA: fenceA, senderB: fenceA], senderB),
                ("an expired lease", [senderA: fenceA, senderB: expiring], senderB),
                ("a lease another owner holds", [senderA: fenceA, senderC: forged], senderC),
            ]
            for (offset, (name, fences, fencedSender)) in cases.enumerated() {
                let mine = makeRequest(from: senderA), fenced = makeRequest(from: fencedSender)
                let batch = messages([mine], firstOffset: Int64(offset), partition: 0) + messages([fenced], firstOffset: Int64(offset), partition: 1)
                let error = await #expect(throws: StatusStoreError.self, "\(name)") {
                    try await store.intake(batch, fences: fences, retryDeadline: .seconds(600), sign: fakeSign)
                }
                #expect(error?.code == .fenced, "\(name)")
                #expect(try await store.request(mine.id) == nil, "\(name): nothing of the batch is stored")
                #expect(try await store.request(fenced.id) == nil, "\(name)")
            }
            #expect(try store.startingOffsets(group: workersGroup, topic: requestsTopic, partitions: [0, 1]) == [:])
            #expect(try await outboxEvents(store).isEmpty)
            #expect(try await nextNonce(store, senderA, fences: [senderA: fenceA], offset: 0) == Nonce(0), "no nonce was taken")
        }
    }

    @Test(arguments: StoreKind.allCases)
    func aPreviousEpochsFenceIsRefusedAfterTheOwnerTookTheLeaseAgain(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            let first = try await lease(store, senderA)
            try await expire(store, first)
            let again = try await lease(store, senderA)
            #expect(again.epoch == first.epoch + 1)
            let request = makeRequest()
            let error = await #expect(throws: StatusStoreError.self) {
                try await store.intake(messages([request]), fences: [senderA: first], retryDeadline: .seconds(600), sign: fakeSign)
            }
            #expect(error?.code == .fenced)
            #expect(try await store.request(request.id) == nil)
            #expect(try await intakeOne(store, request, fences: [senderA: again]).lifecycle.nonce == Nonce(0))
        }
    }

    // MARK: Refusals

    @Test(arguments: StoreKind.allCases)
    func aRequestThatCannotBeSignedIsRefusedAloneTakesNoNonceAndHoldsItsPartition(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            let fences = try await leases(store)
            _ = try await store.reconcileNonce(fences[senderA]!, chainPending: Nonce(7))
            let first = makeRequest(), refused = makeRequest(), last = makeRequest()
            let batch = messages([first, refused, last]) + messages([makeRequest(from: senderB)], partition: 1)
            let results = try await store.intake(batch, fences: fences, retryDeadline: .seconds(600)) { request, nonce in
                if request.id == refused.id { throw SigningRefused() }
                return try fakeSign(request, nonce)
            }
            #expect(results.map { $0.stored?.lifecycle.nonce.value } == [7, nil, 8, 0])
            let refusal = try #require(results[1].refusal, "\(results[1])")
            #expect(refusal.kind == .unsignable)
            #expect(refusal.reason.contains(refused.id.description) && refusal.reason.contains("the key refused to sign"))
            #expect(try await store.request(refused.id) == nil)
            #expect(try await outboxEvents(store).map(\.event.id).contains(refused.id) == false)
            // Partition 0 stays at the refused message (offset 1) until it is taken in again;
            // partition 1 moves on.
            #expect(try store.startingOffsets(group: workersGroup, topic: requestsTopic, partitions: [0, 1]) == [0: 1, 1: 1])

            let replayed = try await store.intake(messages([refused, last], firstOffset: 1), fences: fences, retryDeadline: .seconds(600)) { request, _ in
                if request.id != refused.id { Issue.record("a stored request must not be signed again") }
                throw SigningRefused()
            }
            #expect(replayed.map { $0.refusal != nil } == [true, false], "the refused one again, the stored one as .existing")
            #expect(try store.startingOffsets(group: workersGroup, topic: requestsTopic, partitions: [0]) == [0: 1])
            // Dealt with (dead-lettered), it is taken in again as an entry without a request.
            #expect(try await store.intake(messages([nil, nil], firstOffset: 1), fences: [:], retryDeadline: .seconds(600), sign: fakeSign) == [.skipped, .skipped])
            #expect(try store.startingOffsets(group: workersGroup, topic: requestsTopic, partitions: [0]) == [0: 3])
            #expect(try await nextNonce(store, senderA, fences: fences, offset: 3) == Nonce(9))
        }
    }

    @Test(arguments: StoreKind.allCases)
    func aRetryOfAnUnknownRequestIsRefusedAndTheRestOfTheBatchIsStored(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            let fences = try await leases(store)
            let original = try await intakeOne(store, makeRequest(), fences: fences)
            let retry = try await intakeOne(store, makeRequest(retryOf: original.id), fences: fences, offset: 1)
            #expect(retry.request.retryOf == original.id)
            #expect(try await store.request(retry.id)?.request.retryOf == original.id)

            let orphan = makeRequest(retryOf: RequestID()), next = makeRequest(), elsewhere = makeRequest(from: senderB)
            let results = try await store.intake(
                messages([orphan, next], firstOffset: 2) + messages([elsewhere], firstOffset: 5, partition: 1),
                fences: fences, retryDeadline: .seconds(600)
            ) { request, nonce in
                if request.id == orphan.id { Issue.record("a refused retry must not be signed") }
                return try fakeSign(request, nonce)
            }
            let refusal = try #require(results[0].refusal, "\(results[0])")
            #expect(refusal.kind == .unknownOriginal)
            #expect(refusal.reason.contains(orphan.id.description))
            #expect(results[1...].map(\.isNew) == [true, true])
            #expect(try await store.request(orphan.id) == nil)
            // The orphan took no nonce: the next request of its sender got the one after the retry's.
            #expect(results[1].stored?.lifecycle.nonce == Nonce(2))
            #expect(try store.startingOffsets(group: workersGroup, topic: requestsTopic, partitions: [0, 1]) == [0: 2, 1: 6])
        }
    }

    @Test(arguments: StoreKind.allCases)
    func aVersionTheStoreCannotKeepIsRefusedAloneAndTakesNoNonce(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            let fences = try await leases(store)
            let first = try await intakeOne(store, makeRequest(), fences: fences)
            // Signed bytes whose hash another request's version already has.
            let clash = makeRequest(), after = makeRequest()
            let results = try await store.intake(messages([clash, after], firstOffset: 1), fences: fences, retryDeadline: .seconds(600)) { request, nonce in
                request.id == clash.id ? first.lifecycle.original : try fakeSign(request, nonce)
            }
            let refusal = try #require(results[0].refusal, "\(results[0])")
            #expect(refusal.kind == .storeRefused)
            #expect(refusal.reason.contains(clash.id.description))
            #expect(results[1].stored?.lifecycle.nonce == Nonce(1))
            #expect(try await store.request(clash.id) == nil)
            #expect(try await store.request(first.id) == first)
            #expect(try store.startingOffsets(group: workersGroup, topic: requestsTopic, partitions: [0]) == [0: 1])
        }
    }

    // MARK: Offsets

    @Test(arguments: StoreKind.allCases)
    func offsetsOnlyMoveForwardPerGroupTopicAndPartition(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            let fences = try await leases(store)
            _ = try await store.intake(
                [
                    ConsumedMessage(request: nil, position: position(10, partition: 0)),
                    ConsumedMessage(request: makeRequest(), position: position(4, partition: 1)),
                    ConsumedMessage(request: nil, position: position(8, partition: 0)),
                    ConsumedMessage(request: nil, position: position(99, partition: 0, group: "other-group")),
                ],
                fences: fences, retryDeadline: .seconds(600), sign: fakeSign)
            // A replayed older batch does not rewind partition 0.
            _ = try await store.intake([ConsumedMessage(request: nil, position: position(3, partition: 0))], fences: [:], retryDeadline: .seconds(600), sign: fakeSign)
            _ = try await store.intake([ConsumedMessage(request: nil, position: position(5, partition: 1))], fences: [:], retryDeadline: .seconds(600), sign: fakeSign)

            #expect(try store.startingOffsets(group: workersGroup, topic: requestsTopic, partitions: [0, 1, 2]) == [0: 11, 1: 6])
            #expect(try store.startingOffsets(group: "other-group", topic: requestsTopic, partitions: [0]) == [0: 100])
            #expect(try store.startingOffsets(group: workersGroup, topic: "other.topic", partitions: [0]) == [:])
            #expect(try store.startingOffsets(group: workersGroup, topic: requestsTopic, partitions: []) == [:])
        }
    }

    @Test("a reset log moves the stored offset back, but never over progress made meanwhile", arguments: StoreKind.allCases)
    func moveOffsetIsACompareAndSet(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            _ = try await store.intake(messages([nil, nil, nil], firstOffset: 101), fences: [:], retryDeadline: .seconds(600), sign: fakeSign)
            #expect(try store.startingOffsets(group: workersGroup, topic: requestsTopic, partitions: [0]) == [0: 104])

            // A position that is no longer the stored one is left alone.
            try store.moveOffset(group: workersGroup, topic: requestsTopic, partition: 0, from: 50, to: 0)
            #expect(try store.startingOffsets(group: workersGroup, topic: requestsTopic, partitions: [0]) == [0: 104])
            // So is another group's or partition's.
            try store.moveOffset(group: "other-group", topic: requestsTopic, partition: 0, from: 104, to: 0)
            try store.moveOffset(group: workersGroup, topic: requestsTopic, partition: 1, from: 104, to: 0)
            #expect(try store.startingOffsets(group: workersGroup, topic: requestsTopic, partitions: [0, 1]) == [0: 104])

            try store.moveOffset(group: workersGroup, topic: requestsTopic, partition: 0, from: 104, to: 0)
            #expect(try store.startingOffsets(group: workersGroup, topic: requestsTopic, partitions: [0]) == [0: 0])
            // Intake of the new log then moves it forward from there.
            _ = try await store.intake(messages([nil], firstOffset: 0), fences: [:], retryDeadline: .seconds(600), sign: fakeSign)
            #expect(try store.startingOffsets(group: workersGroup, topic: requestsTopic, partitions: [0]) == [0: 1])
        }
    }
}

extension Date {
    /// As the store keeps times: whole milliseconds.
    var roundedToMilliseconds: Date {
        Date(timeIntervalSince1970: (timeIntervalSince1970 * 1000).rounded() / 1000)
    }
}
