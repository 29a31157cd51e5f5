import BroadcastModel
import EVMPrimitives
import EVMSigning
import Foundation
import Lifecycle
import Logging
@testable import Pipeline
import SQLiteStore
import StatusStore
import Synchronization
import Testing

/// The results outbox as the worker publishes it, on a real SQLite file: events leave only
/// once delivered, in order per request; a publisher that fails or dies leaves them for the
/// next round or, once its hold runs out, for another publisher.
@Suite("OutboxPublisher on a real store: at least once, in order per request")
struct DeliveryOutboxTests {
    private static let key = try! PrivateKey(hex: "0x" + String(repeating: "0", count: 63) + "1")
    private static let function = "add_weight(address,uint256)"
    private static let contract = try! Address("0x5FbDB2315678afecb367f032d93F642f64180aa3")
    private static let fees = FeeCaps(maxFeePerGas: .gwei(100), maxPriorityFeePerGas: .gwei(1))
    private static let policy = LifecyclePolicy(
        confirmations: 1, fees: FeePolicy(minTip: .gwei(1), maxTip: .gwei(2), ceiling: .gwei(200)))

    private let signer = VersionSigner(
        chainID: ChainID(131_277_322_940_537), signers: [Signer(key: Self.key)], gasLimits: [Self.function: Gas(100_000)])

    /// A store file holding `count` requests of one sender, each moved through three statuses
    /// (signed, submitted, mined, confirmed): four events per request, in the outbox.
    private func storeWithEvents(requests count: Int) async throws -> (SQLiteStatusStore, URL, [RequestID]) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("outbox-\(UUID().uuidString)")
        let store = try SQLiteStatusStore(path: directory.appendingPathComponent("store.sqlite").path)
        let fence = try #require(try await store.acquireLease(sender: Self.key.address, owner: "writer", length: .seconds(3600)).fence)
        let consumed = (0..<count).map { index in
            ConsumedMessage(
                request: BroadcastRequest(
                    id: RequestID(), messageType: Self.function, function: Self.function,
                    data: Calldata(Array(Keccak256.hash(Array(Self.function.utf8)).prefix(4)) + [UInt8](repeating: UInt8(index), count: 64)),
                    to: Self.contract, from: Self.key.address, acceptedAt: Date()),
                position: ConsumedPosition(group: "g", topic: "broadcaster.requests", partition: 0, offset: Int64(index)))
        }
        let signer = signer
        let results = try await store.intake(consumed, fences: [Self.key.address: fence], retryDeadline: .seconds(600)) { request, nonce in
            try signer.sign(request, nonce: nonce, number: 1, kind: .original, fees: Self.fees, at: Date())
        }
        var lane = SenderLaneState(sender: Self.key.address, policy: Self.policy)
        var ids: [RequestID] = []
        for case .new(let stored) in results {
            lane.insert(stored.lifecycle)
            ids.append(stored.id)
        }
        var random = SystemRandomNumberGenerator()
        let blockHash = try BlockHash("0x" + String(repeating: "cd", count: 32))
        // One status change per save, for every request: each save is one more event each.
        for step in 0..<3 {
            var changed: [LifecycleState] = []
            for id in ids {
                guard let request = lane.request(id) else { continue }
                let version = request.state.latest
                switch step {
                case 0: lane.apply(.sent(version: version.number, .accepted, head: BlockNumber(1)), to: id, at: Date(), random: &random)
                case 1:
                    lane.apply(
                        .included(Inclusion(hash: version.hash, block: BlockNumber(2), blockHash: blockHash, succeeded: true, gasUsed: Gas(30_000), effectiveGasPrice: nil)),
                        to: id, at: Date(), random: &random)
                default: break
                }
                if let state = lane.request(id)?.state { changed.append(state) }
            }
            if step == 2 { lane.apply(head: BlockNumber(10), canonical: CanonicalBlocks(), at: Date(), random: &random) }
            try await store.save(step == 2 ? ids.compactMap { lane.request($0)?.state } : changed, attempts: [], fence: fence)
        }
        return (store, directory, ids)
    }

    @Test("a request's events arrive in order; one the broker refuses stays, with everything after it, until a later round delivers it")
    func failedDeliveryWaits() async throws {
        let (store, directory, ids) = try await storeWithEvents(requests: 5)
        defer { try? FileManager.default.removeItem(at: directory) }
        let delivered = Mutex<[StatusEvent]>([])
        let refusals = Mutex(0)
        let unlucky = ids[2]
        let publisher = OutboxPublisher(
            store: store, owner: "publisher",
            deliver: { event in
                // The broker refuses the unlucky request's second event twice.
                if event.id == unlucky && event.sequence == 2 {
                    let refused = refusals.withLock { count in
                        count += 1
                        return count <= 2
                    }
                    if refused { throw DeliveryRefused() }
                }
                delivered.withLock { $0.append(event) }
            },
            logger: Logger(label: "test.outbox"))
        await publisher.drain()
        let first = delivered.withLock { $0 }
        #expect(!first.contains { $0.id == unlucky && $0.sequence >= 2 }, "events after the refused one went out before it")
        #expect(first.filter { $0.id == unlucky }.map(\.sequence) == [1])
        await publisher.drain()
        await publisher.drain()
        let all = delivered.withLock { $0 }
        let statuses = try await ids.asyncMap { try await store.request($0) }
        for (id, stored) in zip(ids, statuses) {
            let sequences = all.filter { $0.id == id }.map(\.sequence)
            #expect(sequences == Array(1...(stored?.sequence ?? 0)), "request \(id): delivered \(sequences)")
            #expect(all.last { $0.id == id }?.status == stored?.status)
        }
        #expect(statuses.allSatisfy { $0?.status == .confirmed }, "\(statuses.map { $0?.status })")
        #expect(try await store.claimOutbox(owner: "check", limit: 100, holdFor: .seconds(1)).isEmpty, "delivered events left in the outbox")
    }

    @Test("events claimed by a publisher that died wait for its hold to run out, then another publishes them, in order")
    func deadPublishersClaimExpires() async throws {
        let (store, directory, ids) = try await storeWithEvents(requests: 3)
        defer { try? FileManager.default.removeItem(at: directory) }
        // A publisher claims everything and dies before producing any of it. The hold is long
        // enough that a loaded machine still reaches the first drain well inside it.
        let hold = Duration.seconds(10)
        let claimedAt = ContinuousClock.now
        let claimed = try await store.claimOutbox(owner: "dead", limit: 100, holdFor: hold)
        #expect(claimed.count == ids.count * 4)
        let delivered = Mutex<[StatusEvent]>([])
        let survivor = OutboxPublisher(
            store: store, owner: "survivor", deliver: { event in delivered.withLock { $0.append(event) } },
            logger: Logger(label: "test.outbox"))
        await survivor.drain()
        #expect(delivered.withLock { $0 }.isEmpty, "events held by another publisher were published before its hold ran out")
        try await Task.sleep(until: claimedAt + hold + .milliseconds(500))
        await survivor.drain()
        let all = delivered.withLock { $0 }
        for id in ids {
            #expect(all.filter { $0.id == id }.map(\.sequence) == [1, 2, 3, 4])
        }
        #expect(try await store.claimOutbox(owner: "check", limit: 100, holdFor: .seconds(1)).isEmpty)
    }
}

private struct DeliveryRefused: Error {}

extension Sequence {
    fileprivate func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var results: [T] = []
        for element in self { results.append(try await transform(element)) }
        return results
    }
}
