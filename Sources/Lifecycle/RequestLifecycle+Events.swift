import BroadcastModel
import EVMPrimitives
import Foundation

extension RequestLifecycle {
    /// Takes in what happened at `now`; `random` spreads the backoff.
    public mutating func apply(_ event: LifecycleEvent, at now: Date, random: inout some RandomNumberGenerator) {
        switch event {
        case .sent(let version, let result, let head):
            inFlight.remove(.send)
            state.sends += 1
            guard !state.isFinal, state.inclusion == nil else { return }
            sent(version: version, result, head: head, at: now, random: &random)
        case .signed(let version):
            inFlight.remove(.sign)
            guard !state.isFinal, state.version(version.hash) == nil else { return }
            state.append(version)
            state.wantsReplacement = false
            state.feeCeilingReached = false
            state.failuresInARow = 0
            state.nextSendAt = now
        case .signingFailed(let reason):
            inFlight.remove(.sign)
            state.lastError = reason
            notBefore[.sign] = now + policy.retry.delay(afterFailures: state.failuresInARow + 1, using: &random)
        case .poolChecked(let version, let present):
            inFlight.remove(.checkPool)
            state.poolCheckAt = now + policy.poolCheckAfter
            if !present, version == state.latest.number, state.inclusion == nil, !state.isFinal {
                state.nextSendAt = now
                state.lastError = "the node no longer holds version \(version) (evicted, or the node restarted); sending the same bytes again"
            }
        case .included(let inclusion):
            // A receipt ends a settlement, whoever found it: the lane reports the one its
            // settlement found as an inclusion, and a later "nonce too low" must settle anew.
            inFlight.remove(.settleNonce)
            guard !state.isFinal, state.version(inclusion.hash) != nil else { return }
            state.inclusion = inclusion
            state.nextSendAt = nil
            state.needsSettlement = false
            state.wantsReplacement = false
            state.lastError = nil
        case .reorganised:
            guard !state.isFinal, state.inclusion != nil else { return }
            state.inclusion = nil
            state.nextSendAt = now
            state.acceptedAt = now
            state.poolCheckAt = now + policy.poolCheckAfter
            state.lastError = "the block holding this transaction was reorganised away; sending it again"
        case .head(let head):
            settleDepth(head: head)
        case .settled(let settlement):
            inFlight.remove(.settleNonce)
            guard !state.isFinal, state.inclusion == nil else { return }
            switch settlement {
            case .takenByOther:
                state.needsSettlement = false
                state.nextSendAt = nil
                state.outcome = .failed(reason: "nonce \(state.nonce) was taken by another transaction of \(state.sender) and none of this request's versions was mined")
            case .undecided:
                notBefore[.settleNonce] = now + policy.retry.initialDelay
            }
        case .resendRequested(let reason):
            guard !state.isFinal, state.inclusion == nil, !state.needsSettlement else { return }
            state.nextSendAt = now
            state.lastError = reason
        case .nonceUsedOnChain:
            guard !state.isFinal, state.inclusion == nil else { return }
            state.needsSettlement = true
            state.nextSendAt = nil
        case .abandoned(let kind, let reason):
            inFlight.remove(kind)
            state.lastError = reason
            let delay = policy.retry.delay(afterFailures: state.failuresInARow + 1, using: &random)
            if kind == .send {
                state.nextSendAt = now + delay
            } else {
                notBefore[kind] = now + delay
            }
        }
    }

    private mutating func sent(
        version: Int, _ result: SendResult, head: BlockNumber?, at now: Date, random: inout some RandomNumberGenerator
    ) {
        let isLatest = version == state.latest.number
        switch result {
        case .accepted:
            if version > state.acceptedVersion {
                state.acceptedVersion = version
                state.acceptedAt = now
                state.acceptedAtBlock = head
            }
            guard isLatest else { return }
            state.lastSendUnknown = false
            state.failuresInARow = 0
            state.nextSendAt = nil
            state.waitingForFunds = false
            state.lastError = nil
            state.poolCheckAt = now + policy.poolCheckAfter
        case .unknown(let reason):
            guard isLatest else { return }
            state.lastSendUnknown = true
            failed(reason, at: now, random: &random)
        case .notSent(let reason):
            guard isLatest else { return }
            failed(reason, at: now, random: &random)
        case .refused(let refusal, let reason):
            guard isLatest else { return }
            refused(refusal, reason, at: now, random: &random)
        }
    }

    private mutating func refused(_ refusal: SendRefusal, _ reason: String, at now: Date, random: inout some RandomNumberGenerator) {
        switch refusal {
        case .nonceTooLow:
            state.needsSettlement = true
            state.nextSendAt = nil
            state.lastError = reason
        case .nonceTooHigh:
            // The lane sends the lower nonces again; this one follows after the backoff.
            failed(reason, at: now, random: &random)
        case .feesTooLow:
            state.wantsReplacement = true
            state.nextSendAt = nil
            state.lastError = reason
        case .insufficientFunds:
            state.waitingForFunds = true
            state.failuresInARow += 1
            state.nextSendAt = now + policy.retry.maxDelay
            state.lastError = reason
        case .invalid:
            if state.latest.kind == .cancellation {
                // Nothing lower-risk than a self-transfer exists: keep trying it and alert.
                failed("the cancellation was refused: \(reason)", at: now, random: &random)
            } else {
                state.giveUpReason = state.giveUpReason ?? "a node refuses it for good: \(reason)"
                state.nextSendAt = nil
                state.lastError = reason
            }
        }
    }

    private mutating func failed(_ reason: String, at now: Date, random: inout some RandomNumberGenerator) {
        state.failuresInARow += 1
        state.nextSendAt = now + policy.retry.delay(afterFailures: state.failuresInARow, using: &random)
        state.lastError = reason
    }

    /// Final once the mined version is `confirmations` deep under `head`.
    private mutating func settleDepth(head: BlockNumber) {
        guard !state.isFinal, let inclusion = state.inclusion,
              inclusion.block.depth(under: head) >= policy.confirmations
        else { return }
        state.nextSendAt = nil
        state.poolCheckAt = nil
        if state.version(inclusion.hash)?.kind == .cancellation {
            let why = state.giveUpReason.map { " after it was given up (\($0))" } ?? ""
            state.outcome = .failed(reason: "our cancellation took nonce \(state.nonce)\(why); the call never ran")
        } else {
            state.outcome = inclusion.succeeded ? .confirmed : .reverted
        }
    }
}

extension Date {
    static func + (date: Date, duration: Duration) -> Date {
        let (seconds, attoseconds) = duration.components
        return date.addingTimeInterval(TimeInterval(seconds) + TimeInterval(attoseconds) / 1e18)
    }
}
