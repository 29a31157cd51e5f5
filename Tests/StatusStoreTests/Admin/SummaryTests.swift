import BroadcastModel
import EVMPrimitives
import Foundation
import Lifecycle
import SQLiteStore
import StatusStore
import Testing

@Suite("The admin list: light rows, filters, searches, keyset pages")
struct SummaryTests {
    static let otherContract = try! Address("0x1111111111111111111111111111111111111111")
    static let transferType = "transfer(address to, uint256 amount)"
    /// `transfer(address,uint256)`.
    static let transferSelector: [UInt8] = [0xa9, 0x05, 0x9c, 0xbb]

    /// A store with requests of three senders, two contracts, two selectors and message types,
    /// created at several times, in several statuses, one of them replaced (two hashes).
    func populated(
        _ store: any StatusStore, clock: TickingClock
    ) async throws -> (fences: [Address: LeaseFence], hashes: [RequestID: [TxHash]]) {
        let fences = try await leases(store)
        var offset: Int64 = 0
        var stored: [StoredRequest] = []
        for round in 0..<8 {
            var batch: [BroadcastRequest] = []
            for (index, sender) in [senderA, senderB, senderC, senderA].enumerated() {
                if (round + index) % 3 == 0 {
                    batch.append(makeRequest(
                        from: sender, to: Self.otherContract, calldata: Self.transferSelector + [UInt8](repeating: 1, count: 64),
                        messageType: Self.transferType))
                } else {
                    batch.append(makeRequest(from: sender))
                }
            }
            let results = try await store.intake(messages(batch, firstOffset: offset), fences: fences, retryDeadline: .seconds(600), sign: fakeSign)
            offset += Int64(batch.count)
            stored += try results.map { try #require($0.stored) }
        }
        var hashes = Dictionary(uniqueKeysWithValues: stored.map { ($0.id, [$0.lifecycle.original.hash]) })
        let statuses: [TransactionStatus] = [.signed, .submitted, .replaced, .failed, .reverted, .confirmed, .unknown]
        for (index, request) in stored.enumerated() where index % 2 == 1 {
            let target = statuses[index % statuses.count]
            let next = state(request, target)
            hashes[request.id] = next.versions.map(\.hash)
            let attempt = BroadcastAttempt(
                requestID: request.id, number: 1, version: 1, hash: request.lifecycle.original.hash, startedAt: fixedNow, finishedAt: fixedNow,
                outcome: index % 4 == 1 ? .unknown : .accepted)
            try await store.save([next], attempts: [attempt], fence: try #require(fences[request.request.from]))
        }
        return (fences, hashes)
    }

    /// What `query` must list, worked out from the full rows.
    func expected(_ query: RequestQuery, _ all: [StoredRequest]) -> [RequestID] {
        all.filter { stored in
            let request = stored.request
            if !query.statuses.isEmpty, !query.statuses.contains(stored.status) { return false }
            if let sender = query.sender, request.from != sender { return false }
            if let contract = query.contract, request.to != contract { return false }
            if let selector = query.selector, FunctionSelector(calldata: request.data.bytes) != selector { return false }
            if let type = query.messageType, request.messageType != type { return false }
            if let from = query.createdFrom, stored.createdAt < from { return false }
            if let before = query.createdBefore, stored.createdAt >= before { return false }
            return true
        }
        .sorted(by: newestFirst).map(\.id)
    }

    @Test(arguments: StoreKind.allCases)
    func everyFilterAndCombinationListsWhatTheRowsSay(kind: StoreKind) async throws {
        let clock = TickingClock()
        try await withStore(kind, now: clock.now) { store in
            _ = try await populated(store, clock: clock)
            let all = try await everyRequest(store)
            let times = Set(all.map(\.createdAt)).sorted()
            try #require(times.count >= 8)
            let selector = try #require(FunctionSelector("0xA9059CBB"))
            var queries: [RequestQuery] = [
                RequestQuery(),
                RequestQuery(statuses: [.failed]),
                RequestQuery(statuses: [.failed, .reverted]),
                RequestQuery(statuses: [.signed, .submitted, .replaced, .unknown]),
                RequestQuery(sender: senderB),
                RequestQuery(contract: Self.otherContract),
                RequestQuery(contract: contract),
                RequestQuery(selector: selector),
                RequestQuery(messageType: Self.transferType),
                RequestQuery(createdFrom: times[2], createdBefore: times[5]),
                RequestQuery(createdFrom: times[6]),
                RequestQuery(createdBefore: times[1]),
                RequestQuery(statuses: [.signed], sender: senderA, createdFrom: times[3]),
                RequestQuery(statuses: [.failed, .reverted], contract: contract, createdBefore: times[7]),
                RequestQuery(sender: senderA, selector: selector, messageType: Self.transferType),
                RequestQuery(statuses: [.confirmed], sender: senderC),
            ]
            queries += TransactionStatus.allCases.filter { $0 != .accepted }.map { RequestQuery(statuses: [$0]) }
            for query in queries {
                for pageSize in [1, 4, 50] {
                    let rows = try await allSummaries(store, query, pageSize: pageSize)
                    #expect(rows.map(\.id) == expected(query, all), "\(query) in pages of \(pageSize)")
                }
            }
            #expect(!(try await allSummaries(store, RequestQuery(statuses: [.failed, .reverted]))).isEmpty, "the fixture has failures")
        }
    }

    @Test(arguments: StoreKind.allCases)
    func rowsCarryTheLightColumnsAsStored(kind: StoreKind) async throws {
        let clock = TickingClock()
        try await withStore(kind, now: clock.now) { store in
            _ = try await populated(store, clock: clock)
            let full = Dictionary(uniqueKeysWithValues: try await everyRequest(store).map { ($0.id, $0) })
            let rows = try await allSummaries(store, RequestQuery(), pageSize: 100)
            #expect(rows.count == full.count)
            for row in rows {
                let stored = try #require(full[row.id])
                #expect(row.messageType == stored.request.messageType && row.sender == stored.request.from)
                #expect(row.nonce == stored.lifecycle.nonce && row.status == stored.status && row.attempts == stored.lifecycle.sends)
                #expect(row.createdAt == stored.createdAt && row.updatedAt == stored.updatedAt)
                let attempts = try await store.attempts(of: row.id)
                #expect(row.lastErrorClass == attempts.last(where: { $0.outcome != .accepted })?.outcome, "\(row.id)")
            }
            #expect(rows.contains { $0.lastErrorClass == .unknown }, "the fixture has a send whose answer was lost")
        }
    }

    @Test(arguments: StoreKind.allCases)
    func idPrefixesMatchExactlyTheIDsThatStartWithThem(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            let fence = try await lease(store)
            let texts = [
                "aaaaaaaa-0000-4000-8000-000000000001", "aaaaaaaa-0000-4000-8000-000000000002", "aaaaaaaa-1000-4000-8000-000000000003",
                "aaaaaaab-0000-4000-8000-000000000004", "aaaaaaa9-0000-4000-8000-000000000005", "aaaaaaa0-0000-4000-8000-000000000006",
                "baaaaaaa-0000-4000-8000-000000000007",
            ]
            let ids = texts.map { RequestID($0)! }
            _ = try await store.intake(messages(ids.map { makeRequest(id: $0) }), fences: [senderA: fence], retryDeadline: .seconds(600), sign: fakeSign)
            for prefix in ["aaaaaaaa", "AAAAAAAA-0", "aaaaaaaa-1", "aaaaaaab", "aaaaaaa9", "aaaaaaa0", "baaaaaaa-0000-4000-8000-000000000007", "cccccccc"] {
                let search = try #require(RequestSearch.id(prefix: prefix))
                let rows = try await allSummaries(store, RequestQuery(search: search))
                let expected = ids.filter { $0.description.hasPrefix(prefix.lowercased()) }.sorted { $0.description > $1.description }
                #expect(rows.map(\.id) == expected, "prefix \(prefix)")
            }
            #expect(RequestSearch.id(prefix: "aaaaaaa") == nil, "shorter than the minimum")
            #expect(RequestSearch.id(prefix: "aaaaaaaz") == nil, "not an id's character")
            #expect(RequestSearch.id(prefix: "aaaaaaaa-0000-4000-8000-0000000000011") == nil, "longer than an id")
            // With a filter besides.
            let search = try #require(RequestSearch.id(prefix: "aaaaaaaa"))
            #expect(try await allSummaries(store, RequestQuery(statuses: [.failed], search: search)).isEmpty)
            #expect(try await allSummaries(store, RequestQuery(statuses: [.signed], sender: senderA, search: search)).count == 3)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func anyHashARequestWasSignedUnderFindsIt(kind: StoreKind) async throws {
        let clock = TickingClock()
        try await withStore(kind, now: clock.now) { store in
            let (_, hashes) = try await populated(store, clock: clock)
            let replaced = try #require(hashes.first { $0.value.count > 1 })
            for (id, signed) in [replaced] + Array(hashes.prefix(5)) {
                for hash in signed {
                    for length in [10, 20, 66] {
                        let prefix = String(hash.description.prefix(length))
                        let search = try #require(RequestSearch.hash(prefix: prefix))
                        let rows = try await allSummaries(store, RequestQuery(search: search))
                        let expected = hashes.filter { $0.value.contains { $0.description.hasPrefix(prefix) } }.map(\.key)
                        #expect(Set(rows.map(\.id)) == Set(expected) && rows.count == expected.count, "\(prefix)")
                        #expect(rows.contains { $0.id == id })
                    }
                }
            }
            let upper = "0x" + replaced.value[0].description.dropFirst(2).prefix(12).uppercased()
            let upperSearch = try #require(RequestSearch.hash(prefix: upper), "any case")
            let byUpper = try await allSummaries(store, RequestQuery(search: upperSearch))
            #expect(byUpper.map(\.id) == [replaced.key])
            #expect(RequestSearch.hash(prefix: "0x1234567") == nil, "shorter than the minimum")
            #expect(RequestSearch.hash(prefix: "12345678") == nil, "a hash starts with 0x")
            #expect(RequestSearch.hash(prefix: "0x1234567g") == nil)
            let unknown = try #require(RequestSearch.hash(prefix: "0x" + String(repeating: "0", count: 64)))
            #expect(try await allSummaries(store, RequestQuery(search: unknown)).isEmpty)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func anIdempotencyKeyFindsTheRequestThatClaimedIt(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            let fence = try await lease(store)
            let stored = try await intake(store, [senderA, senderA], fences: [senderA: fence])
            let key: [UInt8] = Array(repeating: 0x5a, count: 32)
            #expect(try await store.claimIdempotencyKey(IdempotencyClaim(keyHash: key, requestID: stored[1].id, bodyHash: [1], at: fixedNow)) == .claimed)
            // Claimed by the API, not consumed yet: nothing to list.
            _ = try await store.claimIdempotencyKey(IdempotencyClaim(keyHash: [7, 7], requestID: RequestID(), bodyHash: [1], at: fixedNow))
            #expect(try await allSummaries(store, RequestQuery(search: .idempotencyKey(hash: key))).map(\.id) == [stored[1].id])
            #expect(try await allSummaries(store, RequestQuery(search: .idempotencyKey(hash: [7, 7]))).isEmpty)
            #expect(try await allSummaries(store, RequestQuery(search: .idempotencyKey(hash: [8]))).isEmpty)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func pagesDoNotShiftWhileStatusesChange(kind: StoreKind) async throws {
        let clock = TickingClock()
        try await withStore(kind, now: clock.now) { store in
            let fences = try await leases(store)
            var stored: [StoredRequest] = []
            for round in 0..<15 {
                stored += try await intake(store, [senderA, senderB, senderC, senderA], fences: fences, firstOffset: Int64(round * 4))
            }
            let everyID = stored.sorted(by: newestFirst).map(\.id)
            let changer = stored
            try await withThrowingTaskGroup(of: Void.self) { group in
                // Every request changes status (and updated_at) while the pages are read.
                group.addTask {
                    for (index, request) in changer.shuffled().enumerated() {
                        let target: [TransactionStatus] = [.submitted, .failed, .confirmed, .unknown]
                        try await store.save([state(request, target[index % target.count])], attempts: [], fence: try #require(fences[request.request.from]))
                        await Task.yield()
                    }
                }
                group.addTask {
                    for _ in 0..<4 {
                        let rows = try await allSummaries(store, RequestQuery(), pageSize: 5)
                        #expect(rows.map(\.id) == everyID, "each request once, in creation order, however statuses moved")
                    }
                }
                try await group.waitForAll()
            }
            #expect(try await store.statusCounts()[.signed] == 0)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func pagesAreCappedAndEmptyWhenAskedForNothing(kind: StoreKind) async throws {
        try await withStore(kind) { store in
            let fence = try await lease(store)
            _ = try await intake(store, [senderA, senderA, senderA], fences: [senderA: fence])
            #expect(try await store.summaries(RequestQuery(), limit: 0, after: nil).rows.isEmpty)
            #expect(try await store.summaries(RequestQuery(), limit: -5, after: nil).rows.isEmpty)
            let exact = try await store.summaries(RequestQuery(), limit: 3, after: nil)
            #expect(exact.rows.count == 3 && exact.next == nil, "no next page when the last one is exactly full")
            #expect(ListCursor(token: "12.not-an-id") == nil && ListCursor(token: "x.\(RequestID())") == nil)
        }
    }
}
