import BroadcastModel
import ChainRPC
import EVMPrimitives
import Foundation
import Lifecycle
import Logging
import StatusStore
import Synchronization

/// Works one sender's unfinished requests while this worker holds the sender's lease: keeps
/// their ``SenderLaneState``, carries out its actions (sends to every healthy endpoint, pool
/// lookups, signing replacements and cancellations, settling used nonces), feeds back what
/// happened, and stores every change, fenced by the lease, before anything that depends on it
/// goes out (a new version is stored before it is sent).
///
/// Everything reaches the lane as an input on one stream (results of its own calls, new
/// requests from intake, heads and inclusions from the chain watcher, timers), so its state
/// has one owner. Calls run as child tasks of the lane's task group; a lost lease or a stop
/// cancels them.
actor SenderLane {
    enum Input: Sendable {
        case add(StoredRequest)
        case event(RequestID, LifecycleEvent, attempt: AttemptFacts?)
        case head(BlockNumber, MarketFees?, CanonicalBlocks)
        case included(Inclusion)
        case reorganised(above: BlockNumber)
        /// The sender's mined count, nil when the node did not tell.
        case minedCount(Nonce?)
        case wake
        case stop
    }

    /// What a send's attempt row records besides its result.
    struct AttemptFacts: Sendable {
        var version: Int
        var hash: TxHash
        var startedAt: Date
        var finishedAt: Date
        var endpoint: String?
    }

    enum Exit: Sendable {
        case stopped
        /// The store refused a write: another owner holds the lease now.
        case leaseLost
    }

    let sender: Address
    let fence: LeaseFence
    private let effects: LaneEffects
    private var state: SenderLaneState
    private var requests: [RequestID: BroadcastRequest] = [:]
    private var head: BlockNumber?
    private var market: MarketFees?
    private var dirty: Set<RequestID> = []
    private var attempts: [BroadcastAttempt] = []
    private var armedWake: Date?
    private var readingNonce = false
    private var saveFailures = 0
    private let inbox = LaneInbox<Input>()
    /// Intake's bound for this lane, read from other tasks without waiting for the actor.
    private let waiting = Mutex(WaitingRequests())

    init(fence: LeaseFence, effects: LaneEffects, head: BlockNumber?, market: MarketFees?) {
        self.sender = fence.sender
        self.fence = fence
        self.effects = effects
        self.state = SenderLaneState(sender: fence.sender, policy: effects.policy)
        self.head = head
        self.market = market
    }

    nonisolated func send(_ input: Input) {
        if case .add = input { waiting.withLock { $0.handedOver() } }
        inbox.yield(input)
    }

    /// Requests handed over and not taken in yet, or that no node has taken and none is being
    /// handed now: what back-pressure counts.
    nonisolated var unsentCount: Int { waiting.withLock { $0.count } }

    /// Tells intake's bound which requests became or stopped being untaken; called after
    /// every round that changed the state.
    private func publishUntaken() {
        let changes = state.takeUntakenChanges()
        guard !changes.isEmpty else { return }
        waiting.withLock { waiting in
            for (id, untaken) in changes { waiting.set(id, untaken: untaken) }
        }
    }

    /// Works `loaded` (the sender's unfinished requests, from the store) and whatever arrives,
    /// until stopped, cancelled, or the lease is lost.
    func run(loaded: [StoredRequest]) async -> Exit {
        for stored in loaded { await add(stored) }
        let exit: Exit = await withDiscardingTaskGroup(returning: Exit.self) { group in
            for stored in loaded where stored.lifecycle.sends > 0 || stored.lifecycle.inclusion != nil {
                checkReceipts(of: stored.lifecycle, in: &group)
            }
            schedule(in: &group)
            publishUntaken()
            // What queued meanwhile is handled together, then stored in one transaction and
            // planned once.
            for await _ in inbox.signals {
                let inputs = inbox.drain()
                guard !inputs.isEmpty else { continue }
                for input in inputs {
                    if case .stop = input {
                        group.cancelAll()
                        return .stopped
                    }
                    await handle(input, in: &group)
                }
                switch await persist() {
                case .saved:
                    schedule(in: &group)
                case .failed:
                    armWake(at: Date().addingTimeInterval(min(5, 0.2 * Double(saveFailures))), in: &group)
                case .fenced:
                    group.cancelAll()
                    return .leaseLost
                }
                publishUntaken()
                if Task.isCancelled { return .stopped }
            }
            return .stopped
        }
        // Flush what is known; a write refused now means the lease moved, which is fine.
        if exit == .stopped { _ = await persist() }
        return exit
    }

    // MARK: Inputs

    private func handle(_ input: Input, in group: inout DiscardingTaskGroup) async {
        var random = SystemRandomNumberGenerator()
        let now = Date()
        switch input {
        case .add(let stored):
            await add(stored)
            waiting.withLock { $0.takenIn() }
        case .event(let id, let event, let facts):
            guard let updated = state.apply(event, to: id, at: now, random: &random) else { return }
            dirty.insert(id)
            if let facts, case .sent(_, let result, _) = event {
                if result != .accepted { effects.metrics.retry(stage: "broadcast", class: SendClass(result).rawValue) }
                attempts.append(BroadcastAttempt(
                    requestID: id, number: updated.state.sends, version: facts.version, hash: facts.hash,
                    startedAt: facts.startedAt, finishedAt: facts.finishedAt, outcome: SendClass(result),
                    endpoint: facts.endpoint, error: result.reason))
            }
            if case .signed(let version) = event { await effects.index.track([version.hash], for: sender) }
        case .head(let newHead, let newMarket, let canonical):
            head = newHead
            if let newMarket { market = newMarket }
            let mined = state.requests.values.filter { $0.state.inclusion != nil }.map(\.state.id)
            state.apply(head: newHead, canonical: canonical, at: now, random: &random)
            dirty.formUnion(mined)
            readNonceIfUseful(in: &group)
        case .included(let inclusion):
            guard let request = state.request(hash: inclusion.hash) else { return }
            state.apply(.included(inclusion), to: request.state.id, at: now, random: &random)
            dirty.insert(request.state.id)
        case .reorganised(let forkPoint):
            for request in state.requests.values {
                guard let inclusion = request.state.inclusion, inclusion.block > forkPoint else { continue }
                state.apply(.reorganised, to: request.state.id, at: now, random: &random)
                dirty.insert(request.state.id)
            }
        case .minedCount(let count):
            readingNonce = false
            guard let count else { return }
            let before = Set(state.requests.values.filter(\.state.needsSettlement).map(\.state.id))
            state.apply(minedCount: count, at: now, random: &random)
            let after = Set(state.requests.values.filter(\.state.needsSettlement).map(\.state.id))
            dirty.formUnion(after.subtracting(before))
        case .wake:
            armedWake = nil
        case .stop:
            break
        }
    }

    private func add(_ stored: StoredRequest) async {
        guard state.request(stored.id) == nil else { return }
        state.insert(stored.lifecycle)
        requests[stored.id] = stored.request
        await effects.index.track(stored.lifecycle.versions.map(\.hash), for: sender)
    }

    // MARK: Persistence

    private enum Persisted { case saved, failed, fenced }

    /// Stores every changed lifecycle and the new attempts; drops what became final.
    private func persist() async -> Persisted {
        guard !dirty.isEmpty || !attempts.isEmpty else { return .saved }
        let states = dirty.compactMap { state.request($0)?.state }
        do {
            let outcome = try await effects.saves.save(LifecycleChanges(states: states, attempts: attempts, fence: fence))
            if case .fenced(let error) = outcome { throw error }
        } catch let error as StatusStoreError where error.code == .fenced {
            effects.logger.error(
                "lost the sender's lease; stopping its lane (another worker took it over)",
                metadata: ["from": "\(sender)", "epoch": "\(fence.epoch)", "error": "\(error)"])
            return .fenced
        } catch {
            saveFailures += 1
            effects.logger.error(
                "cannot store the sender's lifecycle changes; holding its sends until the store takes them",
                metadata: ["from": "\(sender)", "changes": "\(states.count)", "error": "\(error)"])
            return .failed
        }
        saveFailures = 0
        dirty.removeAll()
        attempts.removeAll()
        for finished in state.finished {
            log(final: finished.state)
            state.remove(finished.state.id)
            requests[finished.state.id] = nil
            await effects.index.untrack(finished.state.versions.map(\.hash))
        }
        return .saved
    }

    private func log(final state: LifecycleState) {
        var metadata: Logger.Metadata = [
            "request_id": "\(state.id)", "status": "\(state.status)", "nonce": "\(state.nonce)", "from": "\(sender)",
            "hash": "\(state.currentHash)", "versions": "\(state.versions.count)", "sends": "\(state.sends)",
        ]
        if let inclusion = state.inclusion { metadata["block"] = "\(inclusion.block)" }
        if let reason = state.reason { metadata["reason"] = "\(reason)" }
        if state.status == .confirmed {
            effects.logger.info("transaction confirmed", metadata: metadata)
        } else {
            effects.logger.warning("request ended \(state.status)", metadata: metadata)
        }
    }

    // MARK: Actions

    private func schedule(in group: inout DiscardingTaskGroup) {
        let now = Date()
        let work = state.nextActions(now: now, head: head, market: market)
        var signedInline = false
        for item in work {
            guard case .request(let id, let action) = item else {
                readNonceIfUseful(in: &group)
                continue
            }
            signedInline = perform(action, for: id, in: &group) || signedInline
        }
        if signedInline {
            // The new version must be stored before it goes out: one more round first.
            inbox.yield(.wake)
        } else if let wake = state.nextWake(now: now, head: head, market: market) {
            armWake(at: wake, in: &group)
        }
    }

    /// Starts `action`; true when it signed a version inline (nothing of it is sent yet).
    private func perform(_ action: LifecycleAction, for id: RequestID, in group: inout DiscardingTaskGroup) -> Bool {
        guard let request = state.request(id) else { return false }
        let inbox = inbox, effects = effects, head = head, sender = sender
        switch action {
        case .send(let version):
            let mark = WireMark()
            group.addTask {
                let (started, answers) = await effects.limiter.run {
                    (Date(), await effects.rpc.sendRawTransactionEverywhere(version.raw) {
                        if mark.reach() { self.waiting.withLock { $0.reachedNode(id) } }
                    })
                }
                if mark.end() { self.waiting.withLock { $0.leftNode(id) } }
                let (result, endpoint) = SendClassification.result(of: answers)
                let facts = AttemptFacts(version: version.number, hash: version.hash, startedAt: started, finishedAt: Date(), endpoint: endpoint)
                inbox.yield(.event(id, .sent(version: version.number, result, head: head), attempt: facts))
            }
        case .checkPool(let version):
            group.addTask {
                let answer = await effects.limiter.run { () -> Input in
                    do throws(ChainRPCError) {
                        let transaction = try await effects.rpc.transaction(version.hash)
                        if transaction?.blockNumber != nil, let receipt = try await effects.rpc.transactionReceipt(version.hash) {
                            return .included(Inclusion(receipt))
                        }
                        return .event(id, .poolChecked(version: version.number, present: transaction != nil), attempt: nil)
                    } catch {
                        return .event(id, .abandoned(.checkPool, reason: error.description), attempt: nil)
                    }
                }
                inbox.yield(answer)
                if case .included = answer {
                    inbox.yield(.event(id, .poolChecked(version: version.number, present: true), attempt: nil))
                }
            }
        case .sign(let kind, let fees):
            guard let call = requests[id] else { return false }
            var random = SystemRandomNumberGenerator()
            let event: LifecycleEvent
            do {
                let version = try effects.signer.sign(
                    call, nonce: request.state.nonce, number: request.state.versions.count + 1, kind: kind, fees: fees, at: Date())
                event = .signed(version)
                effects.logger.info(
                    kind == .cancellation ? "cancelling the request's nonce" : "replacing the request's version with higher fees",
                    metadata: [
                        "request_id": "\(id)", "from": "\(sender)", "nonce": "\(request.state.nonce)", "version": "\(version.number)",
                        "hash": "\(version.hash)", "max_fee_per_gas": "\(fees.maxFeePerGas)", "max_priority_fee_per_gas": "\(fees.maxPriorityFeePerGas)",
                    ])
            } catch {
                event = .signingFailed(reason: "\(error)")
            }
            state.apply(event, to: id, at: Date(), random: &random)
            dirty.insert(id)
            if case .signed(let version) = event {
                let index = effects.index
                group.addTask { await index.track([version.hash], for: sender) }
                return true
            }
        case .settleNonce:
            let versions = request.state.versions
            let nonce = request.state.nonce
            let confirmations = effects.policy.confirmations
            group.addTask {
                inbox.yield(await effects.limiter.run {
                    await Self.settle(id: id, versions: versions, nonce: nonce, sender: sender, confirmations: confirmations, rpc: effects.rpc)
                })
            }
        case .alert(let text):
            effects.logger.critical("\(text)", metadata: ["request_id": "\(id)", "from": "\(sender)", "alert": "true"])
        }
        return false
    }

    /// Whose transaction used the nonce: a receipt of one of ours, else the sender's count
    /// `confirmations` below the head.
    private static func settle(
        id: RequestID, versions: [TransactionVersion], nonce: Nonce, sender: Address, confirmations: UInt64, rpc: ChainRPCClient
    ) async -> Input {
        do throws(ChainRPCError) {
            for version in versions {
                if let receipt = try await rpc.transactionReceipt(version.hash) {
                    return .included(Inclusion(receipt))
                }
            }
            let head = try await rpc.blockNumber()
            guard head.value + 1 >= confirmations else { return .event(id, .settled(.undecided), attempt: nil) }
            let deep = BlockNumber(head.value + 1 - confirmations)
            let count = try await rpc.transactionCount(of: sender, at: .number(deep))
            return .event(id, .settled(count > nonce ? .takenByOther : .undecided), attempt: nil)
        } catch {
            return .event(id, .abandoned(.settleNonce, reason: error.description), attempt: nil)
        }
    }

    /// A stored request that may already be mined: look its versions up, and check that a
    /// stored inclusion is still canonical (the watcher's window only starts now).
    private func checkReceipts(of lifecycle: LifecycleState, in group: inout DiscardingTaskGroup) {
        let inbox = inbox, rpc = effects.rpc
        let id = lifecycle.id, versions = lifecycle.versions, stored = lifecycle.inclusion
        group.addTask {
            for version in versions {
                guard let receipt = try? await rpc.transactionReceipt(version.hash) else { continue }
                if let stored, stored.hash == receipt.transactionHash, stored.blockHash == receipt.blockHash { return }
                if stored != nil { inbox.yield(.event(id, .reorganised, attempt: nil)) }
                inbox.yield(.included(Inclusion(receipt)))
                return
            }
            if stored != nil { inbox.yield(.event(id, .reorganised, attempt: nil)) }
        }
    }

    /// Reads the sender's mined count once per head while some request is out and unmined.
    private func readNonceIfUseful(in group: inout DiscardingTaskGroup) {
        guard !readingNonce, state.requests.values.contains(where: { $0.state.sends > 0 && $0.state.inclusion == nil && !$0.state.isFinal })
        else { return }
        readingNonce = true
        let inbox = inbox, rpc = effects.rpc, sender = sender
        group.addTask {
            inbox.yield(.minedCount(try? await rpc.transactionCount(of: sender, at: .latest)))
        }
    }

    private func armWake(at date: Date, in group: inout DiscardingTaskGroup) {
        if let armed = armedWake, armed <= date { return }
        armedWake = date
        let inbox = inbox
        group.addTask {
            let delay = max(0, date.timeIntervalSinceNow)
            try? await Task.sleep(for: .milliseconds(Int64(delay * 1000) + 1))
            inbox.yield(.wake)
        }
    }
}
