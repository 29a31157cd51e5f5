import ABI
import AdminAccess
import AdminActions
import BroadcastModel
import BroadcasterConfig
import EVMPrimitives
import Foundation
import HTTPTypes
import Hummingbird
import Lifecycle
import Logging
import NIOCore
import StatusStore

/// The chain's nonces of a sender: what its mined transactions used (`latest`) and what the
/// node's pool holds too (`pending`).
public protocol ChainNonceSource: Sendable {
    func nonces(of sender: Address) async throws -> (latest: Nonce, pending: Nonce)
}

/// The broker's high watermark of each partition of a topic.
public protocol PartitionEndSource: Sendable {
    func highWatermarks(topic: String, partitions: [Int32]) async throws -> [Int32: Int64]
}

/// What the overview shows of the chain and the broker, asked in the background and kept
/// with the time it was asked: the node takes 20-30 s a call, so no page ever waits for it.
public actor BackgroundFacts {
    public struct Nonces: Sendable {
        public var latest: Nonce?
        public var pending: Nonce?
        public var checkedAt: Date
        /// Nonces from the chain's `latest` up to the store's next that no stored request holds.
        public var gaps: Int?
        /// Why the last poll of this sender failed, if it did.
        public var problem: String?
    }

    public struct Watermark: Sendable {
        public var high: Int64
        public var checkedAt: Date
    }

    private let chain: (any ChainNonceSource)?
    private let broker: (any PartitionEndSource)?
    private let store: any AdminOverviewReads
    private let now: @Sendable () -> Date
    private let logger: Logger
    private var chainNonces: [Address: Nonces] = [:]
    private var laneSnapshot: LaneSnapshot?
    private var brokerEnds: [String: [Int32: Watermark]] = [:]

    public init(
        store: any AdminOverviewReads, chain: (any ChainNonceSource)?, broker: (any PartitionEndSource)?, logger: Logger,
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.store = store
        self.chain = chain
        self.broker = broker
        self.logger = logger
        self.now = now
    }

    var hasChain: Bool { chain != nil }
    var hasBroker: Bool { broker != nil }

    /// The sender lanes as last read from the store. Reading them walks the unfinished backlog
    /// (tens of milliseconds at 30,000 unfinished requests), so pages and their live polls share
    /// one read every few seconds instead of making one each.
    struct LaneSnapshot: Sendable {
        var lanes: [SenderLane]
        var readAt: Date
    }

    func lanes() async throws -> LaneSnapshot {
        if let laneSnapshot { return laneSnapshot }
        return try await refreshLanes()
    }

    @discardableResult
    private func refreshLanes() async throws -> LaneSnapshot {
        let snapshot = LaneSnapshot(lanes: try await store.senderLanes(), readAt: now())
        laneSnapshot = snapshot
        return snapshot
    }

    func nonces(of sender: Address) -> Nonces? { chainNonces[sender] }
    func watermark(topic: String, partition: Int32) -> Watermark? { brokerEnds[topic]?[partition] }

    /// Polls until cancelled: the node and the broker one round every `interval` (a round lasts
    /// as long as its slowest node call), the store's sender lanes every `lanesInterval`.
    public func run(every interval: Duration = .seconds(15), lanesInterval: Duration = .seconds(5)) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                while !Task.isCancelled {
                    do {
                        try await self.refreshLanes()
                    } catch {
                        self.logger.warning("admin: the sender lanes could not be read: \(error)")
                    }
                    try? await Task.sleep(for: lanesInterval)
                }
            }
            group.addTask {
                while !Task.isCancelled {
                    await self.refreshRemote()
                    try? await Task.sleep(for: interval)
                }
            }
        }
    }

    /// One round of everything: the sender lanes, then every sender's nonces and every consumed
    /// partition's watermark, concurrently.
    public func refresh() async {
        do {
            try await refreshLanes()
        } catch {
            logger.warning("admin: the sender lanes could not be read: \(error)")
        }
        await refreshRemote()
    }

    private func refreshRemote() async {
        async let chainRound: Void = refreshNonces()
        async let brokerRound: Void = refreshWatermarks()
        _ = await (chainRound, brokerRound)
    }

    private func refreshNonces() async {
        guard let chain else { return }
        let lanes: [SenderLane]
        do {
            lanes = try await self.lanes().lanes
        } catch {
            logger.warning("admin: the sender lanes could not be read for the chain poll: \(error)")
            return
        }
        let clock = now
        let results = await withTaskGroup(of: (Address, Result<(latest: Nonce, pending: Nonce), any Error>).self) { group in
            for sender in lanes.map(\.sender) {
                group.addTask { (sender, await Result(catching: { try await chain.nonces(of: sender) })) }
            }
            var results: [(Address, Result<(latest: Nonce, pending: Nonce), any Error>)] = []
            for await result in group { results.append(result) }
            return results
        }
        let nextNonces = Dictionary(lanes.map { ($0.sender, $0.nextNonce) }, uniquingKeysWith: { first, _ in first })
        for (sender, result) in results {
            switch result {
            case .success(let pair):
                var gaps: Int?
                if let next = nextNonces[sender] {
                    gaps = try? await LaneGaps.count(
                        chainLatest: pair.latest, next: next,
                        held: store.heldNonces(sender: sender, from: pair.latest, below: next))
                }
                chainNonces[sender] = Nonces(latest: pair.latest, pending: pair.pending, checkedAt: clock(), gaps: gaps, problem: nil)
            case .failure(let error):
                var kept = chainNonces[sender] ?? Nonces(latest: nil, pending: nil, checkedAt: clock())
                kept.problem = "the node did not answer the last poll: \(error)"
                chainNonces[sender] = kept
            }
        }
    }

    private func refreshWatermarks() async {
        guard let broker else { return }
        do {
            let offsets = try await store.partitionOffsets()
            for (topic, rows) in Dictionary(grouping: offsets, by: \.topic) {
                let partitions = Array(Set(rows.map(\.partition))).sorted()
                let ends = try await broker.highWatermarks(topic: topic, partitions: partitions)
                let at = now()
                for (partition, high) in ends { brokerEnds[topic, default: [:]][partition] = Watermark(high: high, checkedAt: at) }
            }
        } catch {
            logger.warning("admin: the partitions' watermarks could not be read: \(error)")
        }
    }
}

/// A lane's gaps: of the nonces from the chain's `latest` (what its mined transactions used) up
/// to the store's next, those no stored request holds. Below `latest` the chain has used every
/// nonce; a gap above it is a nonce nothing of ours will send, which holds every later one.
enum LaneGaps {
    static func count(chainLatest: Nonce, next: Nonce, held: Int) -> Int {
        guard next > chainLatest else { return 0 }
        let window = next.value - chainLatest.value
        return max(0, Int(clamping: window) - held)
    }
}

extension Result where Failure == any Error {
    init(catching body: () async throws -> Success) async {
        do { self = .success(try await body()) } catch { self = .failure(error) }
    }
}
