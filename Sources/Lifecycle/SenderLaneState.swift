import BroadcastModel
import EVMPrimitives
import Foundation

/// All unfinished requests of one sender, in nonce order, and the rules that span them: which
/// one is at the head of the line (only it is bumped: later nonces cannot be mined before it),
/// sending lower nonces again when a node reports a gap, and noticing from the chain's count
/// that a nonce was used without us seeing our version mined.
///
/// A pure value like the requests it holds; the lane actor owns one and carries out its actions.
///
/// ```swift
/// var lane = SenderLaneState(sender: address, policy: policy)
/// lane.insert(state)
/// for work in lane.nextActions(now: now, head: head, market: market) { … }
/// lane.apply(.sent(version: 1, .accepted, head: head), to: work.request, at: now, random: &random)
/// ```
public struct SenderLaneState: Sendable {
    public let sender: Address
    public let policy: LifecyclePolicy
    public private(set) var requests = LaneRequests()
    /// The held nonces, ascending. The head of the line and the pending window are found from
    /// the low end, so a lane holding thousands of requests that wait their turn does not look
    /// at each of them for every event.
    private var order: [Nonce] = []
    /// Nonces whose request waits to be settled by receipts: these act even beyond the window.
    private var settling: Set<Nonce> = []
    /// The window as of the last `nextActions`, nil before the first: a request it did not
    /// allow and the next one does starts its time to be taken then.
    private var lastWindow: PendingWindow?
    /// When each request last looked at may next act without an event (none: it waits for
    /// one). A request that neither changed nor came due since is not looked at again while
    /// the head and the market stay as `viewed`: a lane holding a thousand requests out at a
    /// node used to ask each of them on every event.
    private var wakes: [Nonce: Date] = [:]
    /// Requests changed since `nextActions` last looked at them.
    private var changed: Set<Nonce> = []
    /// The head and market of the last `nextActions`; nil before it, and after anything that
    /// touches every request, so that all of them are looked at.
    private var viewed: Viewed?

    /// `pendingWindow`'s value until a request is added, removed, or mined or final (or back).
    private var cachedWindow: PendingWindow?

    private struct Viewed: Equatable {
        var head: BlockNumber?
        var market: MarketFees?
    }
    private var nonceByID: [RequestID: Nonce] = [:]
    private var nonceByHash: [TxHash: Nonce] = [:]
    /// The lowest unmined nonce, since when and since which head.
    private var headOfLine: (nonce: Nonce, since: RequestLifecycle.HeadOfLine)?
    /// The watcher's processed blocks as of the last head: inclusions are checked against it.
    public private(set) var canonical = CanonicalBlocks()

    public init(sender: Address, policy: LifecyclePolicy) {
        self.sender = sender
        self.policy = policy
    }

    /// One piece of work the lane hands out.
    public enum Work: Hashable, Sendable {
        /// A request's own action.
        case request(RequestID, LifecycleAction)
        /// Read the sender's mined count (`latest`) to catch a nonce used behind our back.
        case readNonce
    }

    public var isEmpty: Bool { requests.isEmpty }
    public var count: Int { requests.count }
    /// Requests with no version in a block yet.
    public var unminedCount: Int { requests.values.count { $0.state.inclusion == nil && !$0.state.isFinal } }
    /// Every hash the lane is waiting to see in a block.
    public var hashes: [TxHash] { Array(nonceByHash.keys) }

    public func request(_ id: RequestID) -> RequestLifecycle? { nonceByID[id].flatMap { requests[$0] } }
    public func request(hash: TxHash) -> RequestLifecycle? { nonceByHash[hash].flatMap { requests[$0] } }

    /// Adds a request (new from intake, or loaded from the store); a nonce already held is
    /// left as it is.
    public mutating func insert(_ state: LifecycleState) {
        guard requests[state.nonce] == nil else { return }
        requests[state.nonce] = RequestLifecycle(state: state, policy: policy)
        order.insert(state.nonce, at: position(of: state.nonce))
        index(state)
        noteSettlement(state.nonce)
        changed.insert(state.nonce)
        cachedWindow = nil
    }

    /// Forgets a request that is final (after the store has it).
    public mutating func remove(_ id: RequestID) {
        guard let nonce = nonceByID.removeValue(forKey: id), let request = requests.removeValue(forKey: nonce) else { return }
        for version in request.state.versions { nonceByHash[version.hash] = nil }
        let at = position(of: nonce)
        if at < order.count, order[at] == nonce { order.remove(at: at) }
        settling.remove(nonce)
        wakes[nonce] = nil
        changed.remove(nonce)
        cachedWindow = nil
    }

    /// Applies a request's event; nil when the lane does not hold `id`. An inclusion in a block
    /// the watcher saw replaced at its number is not applied: the receipt was read before the
    /// reorganisation reached the node.
    @discardableResult
    public mutating func apply(
        _ event: LifecycleEvent, to id: RequestID, at now: Date, random: inout some RandomNumberGenerator
    ) -> RequestLifecycle? {
        guard let nonce = nonceByID[id], var request = requests[nonce] else { return nil }
        if case .included(let inclusion) = event, canonical.contradicts(inclusion) { return request }
        let wasUnmined = isUnmined(nonce)
        request.apply(event, at: now, random: &random)
        requests[nonce] = request
        if isUnmined(nonce) != wasUnmined { cachedWindow = nil }
        index(request.state)
        noteSettlement(nonce)
        changed.insert(nonce)
        if case .sent(let version, .refused(.nonceTooHigh, let reason), _) = event, version == request.state.latest.number {
            resendBelow(nonce, because: "nonce \(nonce) was refused as leaving a gap (\(reason)); the node lost lower nonces", at: now, random: &random)
        }
        return request
    }

    /// A new head, with the blocks the watcher processed up to it: a mined request whose block
    /// is not the canonical one at its number goes back (before depth is counted, so it is
    /// never confirmed there); then depth for the others.
    public mutating func apply(
        head: BlockNumber, canonical: CanonicalBlocks, at now: Date, random: inout some RandomNumberGenerator
    ) {
        self.canonical = canonical
        for (nonce, request) in requests {
            guard let inclusion = request.state.inclusion, canonical.contradicts(inclusion) else { continue }
            requests[nonce]?.apply(.reorganised, at: now, random: &random)
        }
        for nonce in requests.keys {
            requests[nonce]?.apply(.head(head), at: now, random: &random)
            noteSettlement(nonce)
        }
        viewed = nil
        cachedWindow = nil
    }

    /// The sender's mined count at the head: every nonce below it that shows no inclusion was
    /// used without us seeing it, and is settled by receipts.
    public mutating func apply(minedCount: Nonce, at now: Date, random: inout some RandomNumberGenerator) {
        for nonce in order {
            guard nonce < minedCount else { break }
            guard isUnmined(nonce) else { continue }
            requests[nonce]?.apply(.nonceUsedOnChain, at: now, random: &random)
            noteSettlement(nonce)
            changed.insert(nonce)
            cachedWindow = nil
        }
    }

    /// Everything due now, head of the line first; only the lowest `maxPendingPerSender`
    /// unmined nonces may go out.
    ///
    /// Only requests that may act are looked at: those changed since the last look, those
    /// whose wake came, the head of the line, those the window now reaches (their time for a
    /// node to take them, `retry.deadline`, starts then), and every one in the window or to
    /// settle when the head or the market moved. A request beyond the window does nothing but
    /// wait, unless its nonce is to be settled.
    public mutating func nextActions(now: Date, head: BlockNumber?, market: MarketFees?) -> [Work] {
        let formerHead = headOfLine?.nonce
        updateHeadOfLine(now: now, head: head)
        let window = pendingWindow
        cachedWindow = window
        let view = Viewed(head: head, market: market)
        var work: [Work] = []
        for nonce in lookAt(window: window, view: view, now: now, formerHead: formerHead) {
            guard var request = requests[nonce], window.allows(nonce) || settling.contains(nonce) else {
                wakes[nonce] = nil
                continue
            }
            let mayBroadcast = window.allows(nonce)
            if mayBroadcast, let lastWindow, !lastWindow.allows(nonce) { request.mayGoOut(from: now) }
            let context = self.context(nonce, now: now, head: head, market: market, mayBroadcast: mayBroadcast)
            work += request.nextActions(context).map { .request(request.state.id, $0) }
            wakes[nonce] = request.nextWake(context)
            requests[nonce] = request
            noteSettlement(nonce)
        }
        changed.removeAll()
        lastWindow = window
        viewed = view
        return work
    }

    /// The nonces `nextActions` looks at, ascending.
    private func lookAt(window: PendingWindow, view: Viewed, now: Date, formerHead: Nonce?) -> [Nonce] {
        guard viewed == view else {
            return Array(order.prefix(while: window.allows)) + settling.filter { !window.allows($0) }.sorted()
        }
        var nonces = changed
        for (nonce, wake) in wakes where wake <= now { nonces.insert(nonce) }
        if let formerHead { nonces.insert(formerHead) }
        if let current = headOfLine?.nonce { nonces.insert(current) }
        if case .through(let last) = lastWindow {
            var at = position(of: last)
            while at < order.count, order[at] <= last { at += 1 }
            while at < order.count, window.allows(order[at]) {
                nonces.insert(order[at])
                at += 1
            }
        }
        return nonces.sorted()
    }

    /// The earliest time something new may be due without an event arriving first.
    public func nextWake(now: Date, head: BlockNumber?, market: MarketFees?) -> Date? {
        let window = pendingWindow
        var earliest: Date?
        func consider(_ nonce: Nonce, mayBroadcast: Bool) {
            guard let wake = requests[nonce]?.nextWake(context(nonce, now: now, head: head, market: market, mayBroadcast: mayBroadcast))
            else { return }
            earliest = min(earliest ?? wake, wake)
        }
        guard viewed == Viewed(head: head, market: market) else {
            for nonce in order {
                guard window.allows(nonce) else { break }
                consider(nonce, mayBroadcast: true)
            }
            for nonce in settling where !window.allows(nonce) {
                consider(nonce, mayBroadcast: false)
            }
            return earliest
        }
        // What was looked at and has not changed since wakes when it said.
        for (nonce, wake) in wakes where !changed.contains(nonce) && wake > now {
            earliest = min(earliest ?? wake, wake)
        }
        for nonce in changed.union(wakes.lazy.filter { $0.value <= now }.map(\.key)) {
            if window.allows(nonce) {
                consider(nonce, mayBroadcast: true)
            } else if settling.contains(nonce) {
                consider(nonce, mayBroadcast: false)
            }
        }
        return earliest
    }

    private func context(_ nonce: Nonce, now: Date, head: BlockNumber?, market: MarketFees?, mayBroadcast: Bool) -> RequestLifecycle.Context {
        let since = headOfLine?.nonce == nonce ? headOfLine?.since : nil
        return RequestLifecycle.Context(now: now, head: head, market: market, headOfLineSince: since, mayBroadcast: mayBroadcast)
    }

    /// Which nonces may go out: those up to the `maxPendingPerSender`-th lowest unmined one
    /// (a later one is released when one of those is mined or final), all of them while no
    /// more than that many are unmined.
    enum PendingWindow: Equatable {
        case unlimited
        case through(Nonce)

        func allows(_ nonce: Nonce) -> Bool {
            switch self {
            case .unlimited: true
            case .through(let last): nonce <= last
            }
        }
    }

    private var pendingWindow: PendingWindow { cachedWindow ?? measuredWindow }

    /// Read from the low end: past the mined requests still being confirmed and the window,
    /// it stops at the first unmined request beyond the window.
    private var measuredWindow: PendingWindow {
        let cap = max(1, policy.maxPendingPerSender)
        var unmined = 0
        var last: Nonce?
        for nonce in order where isUnmined(nonce) {
            if unmined == cap, let last { return .through(last) }
            unmined += 1
            last = nonce
        }
        return .unlimited
    }

    /// Final requests, to store and then `remove`.
    public var finished: [RequestLifecycle] { requests.finished.compactMap { requests[$0] } }

    /// Requests that became untaken (true) or stopped being untaken (false) since the last call:
    /// see ``LaneRequests/isUntaken(_:)``.
    public mutating func takeUntakenChanges() -> [RequestID: Bool] { requests.takeUntakenChanges() }

    /// Where `nonce` is or would go in `order`.
    private func position(of nonce: Nonce) -> Int {
        var low = 0, high = order.count
        while low < high {
            let middle = (low + high) / 2
            if order[middle] < nonce { low = middle + 1 } else { high = middle }
        }
        return low
    }

    /// Whether the request at `nonce` has no version in a block yet and is not final.
    private func isUnmined(_ nonce: Nonce) -> Bool {
        requests[nonce].map { $0.state.inclusion == nil && !$0.state.isFinal } ?? false
    }

    private mutating func noteSettlement(_ nonce: Nonce) {
        if requests[nonce]?.state.needsSettlement == true { settling.insert(nonce) } else { settling.remove(nonce) }
    }

    private mutating func index(_ state: LifecycleState) {
        nonceByID[state.id] = state.nonce
        for version in state.versions { nonceByHash[version.hash] = state.nonce }
    }

    private mutating func resendBelow(_ nonce: Nonce, because reason: String, at now: Date, random: inout some RandomNumberGenerator) {
        for lower in order {
            guard lower < nonce else { break }
            requests[lower]?.apply(.resendRequested(reason: reason), at: now, random: &random)
            changed.insert(lower)
            cachedWindow = nil
        }
    }

    private mutating func updateHeadOfLine(now: Date, head: BlockNumber?) {
        let lowest = order.first(where: isUnmined)
        guard let lowest else {
            headOfLine = nil
            return
        }
        if headOfLine?.nonce != lowest {
            headOfLine = (lowest, .init(date: now, block: head))
        }
    }
}
