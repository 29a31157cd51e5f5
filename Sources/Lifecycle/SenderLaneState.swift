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
        index(state)
    }

    /// Forgets a request that is final (after the store has it).
    public mutating func remove(_ id: RequestID) {
        guard let nonce = nonceByID.removeValue(forKey: id), let request = requests.removeValue(forKey: nonce) else { return }
        for version in request.state.versions { nonceByHash[version.hash] = nil }
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
        }
    }

    /// The sender's mined count at the head: every nonce below it that shows no inclusion was
    /// used without us seeing it, and is settled by receipts.
    public mutating func apply(minedCount: Nonce, at now: Date, random: inout some RandomNumberGenerator) {
        for (nonce, request) in requests where nonce < minedCount && request.state.inclusion == nil && !request.state.isFinal {
            requests[nonce]?.apply(.nonceUsedOnChain, at: now, random: &random)
        }
    }

    /// Everything due now, head of the line first; only the lowest `maxPendingPerSender`
    /// unmined nonces may go out.
    public mutating func nextActions(now: Date, head: BlockNumber?, market: MarketFees?) -> [Work] {
        updateHeadOfLine(now: now, head: head)
        let allowed = mayBroadcast
        var work: [Work] = []
        for nonce in requests.keys.sorted() {
            guard var request = requests[nonce] else { continue }
            let since = headOfLine?.nonce == nonce ? headOfLine?.since : nil
            let actions = request.nextActions(.init(
                now: now, head: head, market: market, headOfLineSince: since, mayBroadcast: allowed(nonce)))
            requests[nonce] = request
            work += actions.map { .request(request.state.id, $0) }
        }
        return work
    }

    /// The earliest time something new may be due without an event arriving first.
    public func nextWake(now: Date, head: BlockNumber?, market: MarketFees?) -> Date? {
        let allowed = mayBroadcast
        return requests.compactMap { nonce, request in
            let since = headOfLine?.nonce == nonce ? headOfLine?.since : nil
            return request.nextWake(.init(now: now, head: head, market: market, headOfLineSince: since, mayBroadcast: allowed(nonce)))
        }.min()
    }

    /// Whether a nonce is among the lowest `maxPendingPerSender` unmined ones (a later one is
    /// released when one of those is mined or final).
    private var mayBroadcast: (Nonce) -> Bool {
        let unmined = requests.filter { $0.value.state.inclusion == nil && !$0.value.state.isFinal }.keys
        guard unmined.count > policy.maxPendingPerSender else { return { _ in true } }
        let limit = unmined.sorted()[policy.maxPendingPerSender - 1]
        return { $0 <= limit }
    }

    /// Final requests, to store and then `remove`.
    public var finished: [RequestLifecycle] { requests.values.filter { $0.state.isFinal } }

    private mutating func index(_ state: LifecycleState) {
        nonceByID[state.id] = state.nonce
        for version in state.versions { nonceByHash[version.hash] = state.nonce }
    }

    private mutating func resendBelow(_ nonce: Nonce, because reason: String, at now: Date, random: inout some RandomNumberGenerator) {
        for lower in requests.keys where lower < nonce {
            requests[lower]?.apply(.resendRequested(reason: reason), at: now, random: &random)
        }
    }

    private mutating func updateHeadOfLine(now: Date, head: BlockNumber?) {
        let lowest = requests.filter { $0.value.state.inclusion == nil && !$0.value.state.isFinal }.keys.min()
        guard let lowest else {
            headOfLine = nil
            return
        }
        if headOfLine?.nonce != lowest {
            headOfLine = (lowest, .init(date: now, block: head))
        }
    }
}
