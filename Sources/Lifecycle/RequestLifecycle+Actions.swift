import BroadcastModel
import BigInt
import EVMPrimitives
import Foundation

extension RequestLifecycle {
    /// The sender's pending window has reached this request, which waited its turn behind
    /// `maxPendingPerSender` lower nonces: the time a node has to take it starts now.
    public mutating func mayGoOut(from now: Date) {
        guard !state.isFinal, state.inclusion == nil, !state.needsSettlement, state.acceptedVersion == 0 else { return }
        state.deadline = max(state.deadline, now + policy.retry.deadline)
    }

    /// What to do now; each action handed out counts as in flight until its event comes back,
    /// so calling this again never hands out the same work twice.
    public mutating func nextActions(_ context: Context) -> [LifecycleAction] {
        guard !state.isFinal, state.inclusion == nil else { return [] }
        let now = context.now
        if state.needsSettlement {
            // Whose transaction used the nonce decides everything; nothing goes out meanwhile.
            return ready(.settleNonce, now) ? [take(.settleNonce)] : []
        }
        guard context.mayBroadcast else {
            // Waiting its turn behind the sender's pending limit: the time a node has to take
            // it starts when it may go out.
            if state.acceptedVersion == 0 { state.deadline = max(state.deadline, now + policy.retry.deadline) }
            return []
        }
        var actions: [LifecycleAction] = []
        if state.giveUpReason == nil, state.acceptedVersion == 0, !state.waitingForFunds, now >= state.deadline {
            state.giveUpReason = "no node took any of its versions within retry.deadline (\(policy.retry.deadline))"
        }
        if let sign = newVersionNeeded(context), ready(.sign, now) {
            if let market = context.market {
                if let fees = policy.fees.replacement(of: highestFees, for: market) {
                    state.feeCeilingReached = false
                    inFlight.insert(.sign)
                    return [.sign(sign, fees)]
                }
                state.feeCeilingReached = true
                // The market may fall back under what the newest version pays: offer it again later.
                if state.nextSendAt == nil { state.nextSendAt = now + policy.retry.maxDelay }
                if let alert = raise("nonce \(state.nonce) of \(state.sender) needs a \(sign) but its fees cannot rise another \(policy.fees.bumpPercent)% within fees.maxFeePerGasGwei (\(policy.fees.ceiling) wei); raise the ceiling, or wait for the base fee (\(market.baseFee) wei) to fall") {
                    actions.append(alert)
                }
            }
        }
        if let due = state.nextSendAt, due <= now, ready(.send, now) {
            actions.append(take(.send))
        } else if state.acceptedVersion == state.latest.number, let due = state.poolCheckAt, due <= now, ready(.checkPool, now) {
            actions.append(take(.checkPool))
        }
        if state.waitingForFunds,
           let alert = raise("\(state.sender) cannot pay for nonce \(state.nonce) (\(state.lastError ?? "insufficient funds")); top the account up: sends go on every \(policy.retry.maxDelay)")
        {
            actions.append(alert)
        }
        return actions
    }

    /// The earliest time `nextActions` may hand out something new without an event arriving
    /// first; nil when only an event can.
    public func nextWake(_ context: Context) -> Date? {
        guard !state.isFinal, state.inclusion == nil else { return nil }
        var times: [Date] = []
        // A timer of an action that is backing off is due when the backoff ends, not before:
        // a wake in the past while nothing can run makes the lane spin.
        func due(_ kind: LifecycleAction.Kind, at date: Date) {
            guard !inFlight.contains(kind) else { return }
            times.append(max(date, notBefore[kind] ?? date))
        }
        if !state.needsSettlement, context.mayBroadcast {
            if let date = state.nextSendAt { due(.send, at: date) }
            if state.acceptedVersion == state.latest.number, let date = state.poolCheckAt { due(.checkPool, at: date) }
            if state.giveUpReason == nil, state.acceptedVersion == 0, !state.waitingForFunds { times.append(state.deadline) }
            // An overdue bump that `nextActions` did not hand out waits for what an event
            // brings (the market, a head below the fee ceiling), not for the clock.
            if let date = bumpDueAt(context), date > context.now { due(.sign, at: date) }
        }
        times += notBefore.filter { !inFlight.contains($0.key) && $0.value > context.now }.map(\.value)
        return times.min()
    }

    /// The kind of version to sign now, nil when none is needed.
    private func newVersionNeeded(_ context: Context) -> TransactionVersion.Kind? {
        let latestIsCancellation = state.latest.kind == .cancellation
        if state.giveUpReason != nil && !latestIsCancellation { return .cancellation }
        if state.wantsReplacement { return latestIsCancellation ? .cancellation : .replacement }
        if let due = bumpDueAt(context), due <= context.now { return latestIsCancellation ? .cancellation : .replacement }
        if bumpDueByBlocks(context) { return latestIsCancellation ? .cancellation : .replacement }
        return nil
    }

    /// When the newest version, out and at the head of the line, has waited `bumpAfter`.
    private func bumpDueAt(_ context: Context) -> Date? {
        guard state.acceptedVersion == state.latest.number, let acceptedAt = state.acceptedAt,
              let headOfLine = context.headOfLineSince
        else { return nil }
        return max(acceptedAt, headOfLine.date) + policy.bumpAfter
    }

    private func bumpDueByBlocks(_ context: Context) -> Bool {
        guard state.acceptedVersion == state.latest.number, let head = context.head,
              let headOfLine = context.headOfLineSince, let since = [state.acceptedAtBlock, headOfLine.block].compactMap({ $0 }).max()
        else { return false }
        return head.value >= since.value && head.value - since.value >= policy.bumpAfterBlocks
    }

    /// Fees a new version must beat: the highest of each field over every version signed.
    private var highestFees: FeeCaps {
        let versions = state.versions
        return FeeCaps(
            maxFeePerGas: versions.map(\.fees.maxFeePerGas).max() ?? state.original.fees.maxFeePerGas,
            maxPriorityFeePerGas: versions.map(\.fees.maxPriorityFeePerGas).max() ?? state.original.fees.maxPriorityFeePerGas)
    }

    private func ready(_ kind: LifecycleAction.Kind, _ now: Date) -> Bool {
        !inFlight.contains(kind) && (notBefore[kind].map { $0 <= now } ?? true)
    }

    private mutating func take(_ kind: LifecycleAction.Kind) -> LifecycleAction {
        inFlight.insert(kind)
        notBefore[kind] = nil
        switch kind {
        case .checkPool: return .checkPool(state.latest)
        case .settleNonce: return .settleNonce
        default: return .send(state.latest)
        }
    }

    /// An alert for `text`, unless it is the one raised last.
    private mutating func raise(_ text: String) -> LifecycleAction? {
        guard raisedAlert != text else { return nil }
        raisedAlert = text
        return .alert(text)
    }
}
