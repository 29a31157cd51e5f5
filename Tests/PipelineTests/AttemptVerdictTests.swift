import BroadcastModel
import ChainRPC
import Pipeline
import Testing

/// What each kind of answer to a broadcast leads to.
@Suite struct AttemptVerdictTests {
    let policy = RetryPolicy(maxAttempts: 3, initialDelay: .seconds(2), multiplier: 2, jitter: 0)

    private func decide(_ outcome: SendOutcome, attempt: Int = 1) -> AttemptVerdict {
        var random = FixedRandom()
        return AttemptVerdict.decide(outcome, attempt: attempt, policy: policy, random: &random)
    }

    @Test func acceptedOrOwnHashUsingTheNonceIsBroadcast() {
        #expect(decide(.accepted) == .broadcast)
        #expect(decide(.nonceUsed(ownHashKnown: true, message: "nonce too low")) == .broadcast)
        #expect(SendOutcome.nonceUsed(ownHashKnown: true, message: "").attemptOutcome == .accepted)
    }

    @Test func anotherTransactionUsingTheNonceFailsAtOnce() throws {
        guard case .failed(let reason) = decide(.nonceUsed(ownHashKnown: false, message: "nonce too low")) else {
            Issue.record("expected failed")
            return
        }
        #expect(reason.contains("nonce was used by another transaction"))
    }

    @Test func giveUpFailsAtOnceWithTheNodesReason() {
        let verdict = decide(.failed(.giveUp, message: "invalid chain id"), attempt: 1)
        #expect(verdict == .failed(reason: "invalid chain id"))
        #expect(SendOutcome.failed(.giveUp, message: "").attemptOutcome == .rejected)
    }

    @Test(arguments: [RecoveryAction.retryLater, .waitForFunds, .fixFees, .nonceTooHigh])
    func recoverableFailuresRetryWhileAttemptsRemain(action: RecoveryAction) {
        #expect(decide(.failed(action, message: "busy"), attempt: 1) == .retry(after: .seconds(2), reason: "busy"))
        #expect(decide(.failed(action, message: "busy"), attempt: 2) == .retry(after: .seconds(4), reason: "busy"))
        guard case .failed(let reason) = decide(.failed(action, message: "busy"), attempt: 3) else {
            Issue.record("the third failure of three attempts should fail")
            return
        }
        #expect(reason.contains("3 attempts") && reason.contains("busy"))
        #expect(SendOutcome.failed(action, message: "").attemptOutcome == .retryable)
    }

    @Test func verdictsMapToStatuses() {
        #expect(AttemptVerdict.broadcast.status == .broadcast)
        #expect(AttemptVerdict.retry(after: .seconds(1), reason: "").status == .retrying)
        #expect(AttemptVerdict.failed(reason: "").status == .failed)
    }
}
