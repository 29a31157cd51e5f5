import BroadcastModel
import ChainRPC
import EVMPrimitives
import Foundation
import Lifecycle
import Logging
import StatusStore

/// Which senders this worker works: one ``SenderLane`` per sender, each only while this
/// worker holds the sender's lease in the store (taken when intake first needs the sender or
/// when a newly assigned partition, or the sweep for orphaned work, brings its unfinished
/// requests; renewed at half its length; released when the sender's partition is revoked or
/// the worker stops). So exactly one process signs, sends, bumps and cancels for a sender at
/// a time, and one that paused past its lease finds every write refused.
///
/// It is also the chain watcher's observer: heads, inclusions and reorganisations go to the
/// lanes they concern.
actor LaneSupervisor: ChainObserver {
    struct Settings: Sendable {
        /// This process's name in leases: unique per process start.
        var owner: String
        var leaseLength: Duration = .seconds(30)
        /// How often unfinished work that nobody holds is looked for.
        var sweepInterval: Duration = .seconds(15)
        /// How old a sender's pending count read ahead of its lane's start may be when used,
        /// from when it was asked (idle senders are asked again every third of it); zero reads
        /// none ahead.
        var readAheadFreshness: Duration = .seconds(60)
    }

    private struct Running {
        let lane: SenderLane
        let topic: String?
        let partition: Int32?
    }

    private enum Command: Sendable {
        case start(Address, topic: String?, partition: Int32?)
        case readAhead
    }

    private let effects: LaneEffects
    private let settings: Settings
    private var lanes: [Address: Running] = [:]
    /// Senders whose lane is being started, and intake calls waiting for it.
    private var starting: Set<Address> = []
    private var waiting: [Address: [CheckedContinuation<LeaseFence?, Never>]] = [:]
    /// Leases of lanes still starting. A start waits for the sender's pending count, and at
    /// 20-30 s a call that outlasts what is left of a lease before its first renewal: these
    /// are renewed with the running lanes' ones.
    private var startingLeases: [Address: LeaseFence] = [:]
    /// Pending counts of the idle configured senders, read together at start, when partitions
    /// are assigned and every third of `readAheadFreshness`, so lanes start without a node
    /// call of their own.
    private var readAhead: NonceReadAhead
    private var assigned: [String: Set<Int32>] = [:]
    private(set) var head: BlockNumber?
    private(set) var market: MarketFees?
    private let commands: AsyncStream<Command>
    private let commandContinuation: AsyncStream<Command>.Continuation
    /// The newest head not stored yet: a write waits behind the lanes' writes, and the chain
    /// watcher, which reports heads as it processes blocks, must not wait for it.
    private let headsToStore: AsyncStream<BlockNumber>
    private let headToStore: AsyncStream<BlockNumber>.Continuation

    init(effects: LaneEffects, settings: Settings) {
        self.effects = effects
        self.settings = settings
        self.readAhead = NonceReadAhead(freshFor: settings.readAheadFreshness)
        (commands, commandContinuation) = AsyncStream.makeStream(of: Command.self)
        (headsToStore, headToStore) = AsyncStream.makeStream(of: BlockNumber.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// Runs the lanes, lease renewal and the orphan sweep until cancelled; then every lane
    /// stores what it knows and releases its lease.
    func run() async {
        await withDiscardingTaskGroup { group in
            group.addTask { await self.renewLeases() }
            group.addTask { await self.sweep() }
            group.addTask { await self.keepNoncesReadAhead() }
            group.addTask { await self.storeHeads() }
            for await command in commands {
                switch command {
                case .start(let sender, let topic, let partition):
                    group.addTask { await self.startAndRun(sender, topic: topic, partition: partition) }
                case .readAhead:
                    group.addTask { await self.readNoncesAhead() }
                }
            }
        }
    }

    // MARK: For intake

    /// The lease under which intake may store `sender`'s requests: the running lane's, or a
    /// new lane's once started. Nil while another worker holds the lease (the caller waits and
    /// asks again: a live owner releases it when its partition moves, a dead one's expires).
    func fence(for sender: Address, topic: String, partition: Int32) async -> LeaseFence? {
        if let running = lanes[sender] {
            if running.partition == nil { lanes[sender] = Running(lane: running.lane, topic: topic, partition: partition) }
            return running.lane.fence
        }
        return await withCheckedContinuation { continuation in
            waiting[sender, default: []].append(continuation)
            start(sender, topic: topic, partition: partition)
        }
    }

    /// Hands a request intake just stored to its sender's lane.
    func hand(_ stored: StoredRequest) {
        lanes[stored.request.from]?.lane.send(.add(stored))
    }

    /// Requests of every lane not sent to any node yet: intake stops taking from Kafka while
    /// this is over its bound.
    func unsentCount() -> Int {
        lanes.values.reduce(0) { $0 + $1.lane.unsentCount }
    }

    // MARK: Partitions

    /// Takes over the senders with unfinished work consumed from newly assigned partitions.
    func assigned(_ partitions: [Int32], of topic: String) async {
        assigned[topic, default: []].formUnion(partitions)
        for partition in partitions {
            let senders: [Address]
            do {
                senders = try await effects.store.unfinishedSenders(topic: topic, partitions: [partition])
            } catch {
                effects.logger.error(
                    "cannot read which senders have unfinished work in an assigned partition; the sweep will find them",
                    metadata: ["partition": "\(partition)", "error": "\(error)"])
                continue
            }
            for sender in senders {
                start(sender, topic: topic, partition: partition)
            }
        }
        // The senders of these partitions are not known before their messages come: read
        // every idle sender's count now, while intake takes the first batch.
        if settings.readAheadFreshness > .zero { commandContinuation.yield(.readAhead) }
    }

    /// Stops the lanes of senders whose partition moved to another worker; their leases are
    /// released so the new owner starts at once.
    func revoked(_ partitions: [Int32], of topic: String) {
        assigned[topic, default: []].subtract(partitions)
        let revoked = Set(partitions)
        for (sender, running) in lanes where running.topic == topic && running.partition.map(revoked.contains) == true {
            effects.logger.info("partition revoked; handing the sender over", metadata: ["from": "\(sender)", "partition": "\(running.partition.map(String.init) ?? "?")"])
            running.lane.send(.stop)
        }
    }

    // MARK: ChainObserver

    func tracked(_ hashes: [TxHash]) async -> [TxHash] {
        await effects.index.tracked(hashes)
    }

    func included(_ inclusion: Inclusion) async {
        guard let sender = await effects.index.sender(of: inclusion.hash) else { return }
        lanes[sender]?.lane.send(.included(inclusion))
    }

    func reorganised(above forkPoint: BlockNumber) {
        for running in lanes.values { running.lane.send(.reorganised(above: forkPoint)) }
    }

    func head(_ head: BlockNumber, canonical: CanonicalBlocks, market: MarketFees?) async {
        let moved = self.head != head
        self.head = head
        if let market { self.market = market }
        for running in lanes.values { running.lane.send(.head(head, market, canonical)) }
        effects.metrics.processed(head: head)
        if moved { headToStore.yield(head) }
    }

    /// Stores the newest head for the API's confirmations, one write at a time; heads that
    /// came during a write are skipped but the newest. A failed write is caught up by the next.
    private nonisolated func storeHeads() async {
        for await head in headsToStore { try? await effects.store.saveChainHead(head) }
    }

    // MARK: Lanes

    private func startAndRun(_ sender: Address, topic: String?, partition: Int32?) async {
        let store = effects.store
        let fence: LeaseFence
        let loaded: [StoredRequest]
        do {
            switch try await store.acquireLease(sender: sender, owner: settings.owner, length: settings.leaseLength) {
            case .acquired(let acquired):
                fence = acquired
            case .heldElsewhere(let owner, let until):
                effects.logger.info(
                    "the sender's lease is held by another worker; waiting",
                    metadata: ["from": "\(sender)", "holder": "\(owner)", "until": "\(until)"])
                resolve(sender, with: nil)
                // A holder that died lets it expire: take the sender over then if its
                // partition is still ours (a live holder renews it, and this tries again).
                if let topic, let partition {
                    let wait = max(0.05, until.timeIntervalSinceNow + 0.05)
                    try? await Task.sleep(for: .milliseconds(Int64(wait * 1000)))
                    if assigned[topic]?.contains(partition) == true { start(sender, topic: topic, partition: partition) }
                }
                return
            }
        } catch {
            effects.logger.error("cannot take the sender's lease", metadata: ["from": "\(sender)", "error": "\(error)"])
            resolve(sender, with: nil)
            return
        }
        startingLeases[sender] = fence
        do {
            // The store alone may be behind the chain (a fresh file, transactions sent by
            // other means) or ahead of it (a node that lost its pool): follow the chain.
            let early = readAhead.take(sender, now: .now)
            let pending: Nonce
            if let early { pending = early } else { pending = try await effects.rpc.transactionCount(of: sender, at: .pending) }
            let next = try await store.reconcileNonce(fence, chainPending: pending)
            loaded = try await store.unfinished(sender: sender)
            effects.logger.info(
                "working the sender",
                metadata: [
                    "from": "\(sender)", "epoch": "\(fence.epoch)", "unfinished": "\(loaded.count)", "chain_pending_nonce": "\(pending)",
                    "read_ahead": "\(early != nil)", "next_nonce": "\(next)",
                ])
        } catch {
            startingLeases[sender] = nil
            effects.logger.warning(
                "cannot start working the sender yet (node or store not answering); releasing its lease",
                metadata: ["from": "\(sender)", "error": "\(error)"])
            try? await store.releaseLease(fence)
            resolve(sender, with: nil)
            return
        }
        let source = loaded.first.map { ($0.sourceTopic, $0.sourcePartition) }
        let laneTopic = topic ?? source?.0, lanePartition = partition ?? source?.1
        // Revoked while the lane started (its node calls take long): the revocation found no
        // lane to hand over, so hand it over here, or it would be held for a partition read elsewhere.
        if let laneTopic, let lanePartition, assigned[laneTopic]?.contains(lanePartition) != true {
            startingLeases[sender] = nil
            effects.logger.info(
                "the sender's partition was revoked while its lane started; handing the sender over",
                metadata: ["from": "\(sender)", "partition": "\(lanePartition)"])
            try? await store.releaseLease(fence)
            resolve(sender, with: nil)
            return
        }
        let lane = SenderLane(fence: fence, effects: effects, head: head, market: market)
        lanes[sender] = Running(lane: lane, topic: laneTopic, partition: lanePartition)
        startingLeases[sender] = nil
        resolve(sender, with: fence)
        let exit = await lane.run(loaded: loaded)
        lanes[sender] = nil
        await effects.index.untrackAll(of: sender)
        if exit == .stopped {
            try? await store.releaseLease(fence)
        }
        effects.logger.info("stopped working the sender", metadata: ["from": "\(sender)", "reason": "\(exit)"])
    }

    /// Starts the sender's lane unless it runs or is starting.
    private func start(_ sender: Address, topic: String?, partition: Int32?) {
        guard lanes[sender] == nil, starting.insert(sender).inserted else { return }
        commandContinuation.yield(.start(sender, topic: topic, partition: partition))
    }

    private func resolve(_ sender: Address, with fence: LeaseFence?) {
        starting.remove(sender)
        for continuation in waiting.removeValue(forKey: sender) ?? [] { continuation.resume(returning: fence) }
    }

    /// Reads the idle senders' counts ahead at start and every third of `readAheadFreshness`,
    /// without waiting for the last read: freshness counts from the ask, and an answer takes
    /// 20-30 s of it, so a lane that starts finds a fresh count.
    private func keepNoncesReadAhead() async {
        guard settings.readAheadFreshness > .zero else { return }
        await withDiscardingTaskGroup { reads in
            repeat {
                reads.addTask { await self.readNoncesAhead() }
            } while (try? await Task.sleep(for: settings.readAheadFreshness / 3)) != nil
        }
    }

    /// Reads the pending count of every configured sender without a lane, all at once (the
    /// client batches them), for the lanes that start within `readAheadFreshness`.
    private func readNoncesAhead() async {
        let idle = effects.signer.signers.keys.filter { lanes[$0] == nil && !starting.contains($0) }
        guard !idle.isEmpty else { return }
        let asked = ContinuousClock.now
        let rpc = effects.rpc
        let answers = await withTaskGroup(of: (Address, Nonce?).self) { group in
            for sender in idle {
                group.addTask { (sender, try? await rpc.transactionCount(of: sender, at: .pending)) }
            }
            var answers: [(Address, Nonce?)] = []
            for await answer in group { answers.append(answer) }
            return answers
        }
        for case (let sender, let nonce?) in answers { readAhead.record(nonce, for: sender, askedAt: asked) }
        effects.logger.debug(
            "pending counts read ahead of the lanes' starts",
            metadata: ["senders": "\(idle.count)", "answered": "\(answers.count { $0.1 != nil })"])
    }

    /// Renews every held lease at half its length, all in one store write (one write per
    /// sender queued behind a busy store let the last leases expire); a lane whose lease is
    /// gone stops at once (a starting one finds its next write refused). A write that fails
    /// is tried again after a second, not half a lease later.
    private func renewLeases() async {
        let interval = settings.leaseLength / 2
        var wait = interval
        while (try? await Task.sleep(for: wait)) != nil {
            let starting = Array(startingLeases)
            let running = lanes.map { (sender: $0.key, lane: $0.value.lane) }
            let fences = starting.map(\.value) + running.map(\.lane.fence)
            guard !fences.isEmpty else {
                wait = interval
                continue
            }
            do {
                let renewed = try await effects.store.renewLeases(fences, length: settings.leaseLength)
                guard renewed.count == fences.count else {
                    throw StatusStoreError(.storageFailure, "the store answered \(renewed.count) renewals for \(fences.count) leases")
                }
                for ((sender, _), answer) in zip(starting, renewed) where answer == nil {
                    effects.logger.warning("the lease of a sender being started was lost", metadata: ["from": "\(sender)"])
                }
                for (held, answer) in zip(running, renewed.dropFirst(starting.count)) where answer == nil {
                    effects.logger.error("the sender's lease was lost; stopping its lane", metadata: ["from": "\(held.sender)"])
                    held.lane.send(.stop)
                }
                wait = interval
            } catch {
                effects.logger.warning(
                    "cannot renew the senders' leases; trying again in a second",
                    metadata: ["leases": "\(fences.count)", "error": "\(error)"])
                wait = min(interval, .seconds(1))
            }
        }
    }

    /// Takes over unfinished work nobody holds (a worker that died): at start, then every
    /// `sweepInterval`. Only senders of partitions assigned here, or of unknown partition.
    private func sweep() async {
        repeat {
            do {
                for orphan in try await effects.store.orphanedSenders() {
                    if let topic = orphan.topic, let partition = orphan.partition, assigned[topic]?.contains(partition) != true { continue }
                    guard lanes[orphan.sender] == nil, !starting.contains(orphan.sender) else { continue }
                    effects.logger.info(
                        "taking over unfinished work nobody holds",
                        metadata: ["from": "\(orphan.sender)", "partition": "\(orphan.partition.map(String.init) ?? "unknown")"])
                    start(orphan.sender, topic: orphan.topic, partition: orphan.partition)
                }
            } catch {
                effects.logger.warning("cannot look for orphaned work; trying again", metadata: ["error": "\(error)"])
            }
        } while (try? await Task.sleep(for: settings.sweepInterval)) != nil
    }
}
