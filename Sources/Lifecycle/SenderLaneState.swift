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
    public private(set) var requests: [Nonce: RequestLifecycle] = [:]
    /// The held nonces, ascending. The head of the line and the pending window are found from
    /// the low end, so a lane holding thousands of requests that wait their turn does not look
    /// at each of them for every event.
    private var order: [Nonce] = []
    /// Nonces whose request waits to be settled by receipts: these act even beyond the window.
    private var settling: Set<Nonce> = []
    /// The window as of the last `nextActions`, nil before the first: a request it did not
    /// allow and the next one does starts its time to be taken then.
    private var lastWindow: PendingWindow?
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
    }

    /// Forgets a request that is final (after the store has it).
    public mutating func remove(_ id: RequestID) {
        guard let nonce = nonceByID.removeValue(forKey: id), let request = requests.removeValue(forKey: nonce) else { return }
        for version in request.state.versions { nonceByHash[version.hash] = nil }
        let at = position(of: nonce)
        if at < order.count, order[at] == nonce { order.remove(at: at) }
        settling.remove(nonce)
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
        request.apply(event, at: now, random: &random)
        requests[nonce] = request
        index(request.state)
        noteSettlement(nonce)
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
    }

    /// The sender's mined count at the head: every nonce below it that shows no inclusion was
    /// used without us seeing it, and is settled by receipts.
    public mutating func apply(minedCount: Nonce, at now: Date, random: inout some RandomNumberGenerator) {
        for nonce in order {
            guard nonce < minedCount else { break }
            guard isUnmined(nonce) else { continue }
            requests[nonce]?.apply(.nonceUsedOnChain, at: now, random: &random)
            noteSettlement(nonce)
        }
    }

    /// Everything due now, head of the line first; only the lowest `maxPendingPerSender`
    /// unmined nonces may go out.
    ///
    /// A request beyond the window does nothing but wait (unless its nonce is to be settled),
    /// so only the window and the nonces to settle are looked at. Its time for a node to take
    /// it (`retry.deadline`) starts when the window reaches it.
    public mutating func nextActions(now: Date, head: BlockNumber?, market: MarketFees?) -> [Work] {
        updateHeadOfLine(now: now, head: head)
        let window = pendingWindow
        var work: [Work] = []
        func act(_ nonce: Nonce, mayBroadcast: Bool) {
            let since = headOfLine?.nonce == nonce ? headOfLine?.since : nil
            let context = RequestLifecycle.Context(now: now, head: head, market: market, headOfLineSince: since, mayBroadcast: mayBroadcast)
            guard let actions = requests[nonce]?.nextActions(context), let id = requests[nonce]?.state.id else { return }
            noteSettlement(nonce)
            work += actions.map { .request(id, $0) }
        }
        for nonce in order {
            guard window.allows(nonce) else { break }
            if let lastWindow, !lastWindow.allows(nonce) { requests[nonce]?.mayGoOut(from: now) }
            act(nonce, mayBroadcast: true)
        }
        for nonce in settling.filter({ !window.allows($0) }).sorted() {
            act(nonce, mayBroadcast: false)
        }
        lastWindow = window
        return work
    }

    /// The earliest time something new may be due without an event arriving first.
    public func nextWake(now: Date, head: BlockNumber?, market: MarketFees?) -> Date? {
        let window = pendingWindow
        var earliest: Date?
        func consider(_ nonce: Nonce, mayBroadcast: Bool) {
            guard let request = requests[nonce] else { return }
            let since = headOfLine?.nonce == nonce ? headOfLine?.since : nil
            guard let wake = request.nextWake(.init(now: now, head: head, market: market, headOfLineSince: since, mayBroadcast: mayBroadcast))
            else { return }
            earliest = min(earliest ?? wake, wake)
        }
        for nonce in order {
            guard window.allows(nonce) else { break }
            consider(nonce, mayBroadcast: true)
        }
        for nonce in settling where !window.allows(nonce) {
            consider(nonce, mayBroadcast: false)
        }
        return earliest
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

    /// Read from the low end: past the mined requests still being confirmed and the window,
    /// it stops at the first unmined request beyond the window.
    private var pendingWindow: PendingWindow {
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
    public var finished: [RequestLifecycle] { requests.values.filter { $0.state.isFinal } }

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
