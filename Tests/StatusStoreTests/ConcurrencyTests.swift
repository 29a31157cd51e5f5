import BroadcastModel
import EVMPrimitives
import Foundation
import Lifecycle
import SQLiteStore
import StatusStore
import Testing

/// Stores opened separately on one database stand for worker processes: separate connections
/// that only the database keeps apart.
@Suite("Several worker processes on one database")
struct ConcurrencyTests {
    @Test(arguments: StoreKind.shareable)
    func twoProcessesTakingInAtOnceKeepEachSendersNoncesContiguous(kind: StoreKind) async throws {
        try await withStoresSharingOneDatabase(kind, count: 2) { stores in
            let senders = [senderA, senderB]
            var fences: [LeaseFence] = []
            for (worker, store) in stores.enumerated() { fences.append(try await lease(store, senders[worker], owner: "worker-\(worker)")) }
            _ = try await stores[0].reconcileNonce(fences[0], chainPending: Nonce(40))
            let batches = 20, batchSize = 8
            let results = try await withThrowingTaskGroup(of: [IntakeResult].self) { group in
                for (worker, store) in stores.enumerated() {
                    let fence = fences[worker]
                    group.addTask {
                        var results: [IntakeResult] = []
                        for batch in 0..<batches {
                            let requests = (0..<batchSize).map { _ in makeRequest(from: fence.sender) }
                            results += try await store.intake(
                                messages(requests, firstOffset: Int64(batch * batchSize), partition: Int32(worker)),
                                fences: [fence.sender: fence], retryDeadline: .seconds(600), sign: fakeSign)
                        }
                        return results
                    }
                }
                return try await group.reduce(into: []) { $0 += $1 }
            }
            let stored = results.compactMap(\.stored)
            let perSender = UInt64(batches * batchSize)
            #expect(results.allSatisfy(\.isNew) && stored.count == 2 * Int(perSender))
            #expect(stored.filter { $0.request.from == senderA }.map(\.lifecycle.nonce.value).sorted() == Array(40..<40 + perSender))
            #expect(stored.filter { $0.request.from == senderB }.map(\.lifecycle.nonce.value).sorted() == Array(0..<perSender))

            // What either process reads back is what was returned, and both offsets are there.
            for record in stored.shuffled().prefix(20) {
                #expect(try await stores[1].request(record.id) == record)
            }
            let offsets = try stores[1].startingOffsets(group: workersGroup, topic: requestsTopic, partitions: [0, 1])
            #expect(offsets == [0: Int64(perSender), 1: Int64(perSender)])
            #expect(try await stores[0].claimOutbox(owner: "publisher", limit: 1000, holdFor: .seconds(60)).count == stored.count)
        }
    }

    @Test(arguments: StoreKind.shareable)
    func aRequestDeliveredToBothProcessesIsStoredOnceByTheLeaseHolder(kind: StoreKind) async throws {
        try await withStoresSharingOneDatabase(kind, count: 2) { stores in
            let holder = try await lease(stores[0], senderA, owner: "worker-0")
            // The other process took the lease once and lost it to the holder long ago.
            let stale = LeaseFence(sender: senderA, owner: "worker-1", epoch: holder.epoch, expiresAt: holder.expiresAt)
            let requests = (0..<40).map { _ in makeRequest() }
            let outcomes = try await withThrowingTaskGroup(of: (Int, [String]).self) { group in
                for (worker, store) in stores.enumerated() {
                    let fence = worker == 0 ? holder : stale
                    group.addTask {
                        var outcomes: [String] = []
                        for (offset, request) in requests.enumerated() {
                            do {
                                let results = try await store.intake(
                                    messages([request], firstOffset: Int64(offset), partition: Int32(worker)),
                                    fences: [senderA: fence], retryDeadline: .seconds(600), sign: fakeSign)
                                outcomes.append(results.first?.isNew == true ? "new" : results.first?.isExisting == true ? "existing" : "\(results)")
                            } catch let error as StatusStoreError where error.code == .fenced {
                                outcomes.append("fenced")
                            }
                        }
                        return (worker, outcomes)
                    }
                }
                return try await group.reduce(into: [Int: [String]]()) { $0[$1.0] = $1.1 }
            }
            #expect(Set(outcomes[0] ?? []).isSubset(of: ["new", "existing"]))
            #expect(Set(outcomes[1] ?? []).isSubset(of: ["fenced", "existing"]))
            #expect((outcomes[0] ?? []).filter { $0 == "new" }.count == requests.count)
            var nonces: [UInt64] = []
            for request in requests {
                nonces.append(try #require(try await stores[1].request(request.id)).lifecycle.nonce.value)
            }
            #expect(nonces == Array(0..<UInt64(requests.count)))
        }
    }

    @Test(arguments: StoreKind.shareable)
    func processesRacingForLeasesGetOneOwnerEach(kind: StoreKind) async throws {
        try await withStoresSharingOneDatabase(kind, count: 3) { stores in
            let senders = try (1...30).map { try Address(bytes: [UInt8](repeating: UInt8($0), count: 20)) }
            let acquisitions = try await withThrowingTaskGroup(of: (String, Address, LeaseAcquisition).self) { group in
                for (worker, store) in stores.enumerated() {
                    for sender in senders {
                        group.addTask {
                            ("worker-\(worker)", sender, try await store.acquireLease(sender: sender, owner: "worker-\(worker)", length: .seconds(3600)))
                        }
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            for sender in senders {
                let asked = acquisitions.filter { $0.1 == sender }
                let winners = Set(asked.compactMap { $0.2.fence?.owner })
                #expect(winners.count == 1, "\(sender): \(asked)")
                let winner = try #require(winners.first)
                #expect(asked.compactMap(\.2.fence).allSatisfy { $0.epoch == 1 }, "\(sender)")
                for (asker, _, acquisition) in asked where asker != winner {
                    guard case .heldElsewhere(let owner, _) = acquisition else {
                        Issue.record("\(asker) got \(acquisition) for \(sender) held by \(winner)")
                        continue
                    }
                    #expect(owner == winner)
                }
            }
            #expect(try await stores[0].leases().count == senders.count)
        }
    }

    @Test(arguments: StoreKind.shareable)
    func publishersInTwoProcessesNeverShareAnEvent(kind: StoreKind) async throws {
        try await withStoresSharingOneDatabase(kind, count: 2) { stores in
            let fence = try await lease(stores[0], senderA)
            let stored = try await intake(stores[0], Array(repeating: senderA, count: 30), fences: [senderA: fence])
            try await stores[0].save(stored.map { state($0, .submitted) }, attempts: [], fence: fence)

            let published = try await withThrowingTaskGroup(of: [OutboxEntry].self) { group in
                for (publisher, store) in stores.enumerated() {
                    group.addTask {
                        var published: [OutboxEntry] = []
                        while true {
                            let claimed = try await store.claimOutbox(owner: "publisher-\(publisher)", limit: 4, holdFor: .seconds(600))
                            if claimed.isEmpty { return published }
                            published += claimed
                            try await store.acknowledgeOutbox(claimed.map(\.sequence))
                        }
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            let all = published.flatMap { $0 }
            #expect(all.count == 2 * stored.count, "every event once, none twice")
            #expect(Set(all.map(\.sequence)).count == all.count)
            // Each publisher saw each request's events in order.
            for entries in published {
                for request in stored {
                    let sequences = entries.filter { $0.event.id == request.id }.map(\.event.sequence)
                    #expect(sequences == sequences.sorted(), "\(request.id)")
                }
            }
        }
    }
}
