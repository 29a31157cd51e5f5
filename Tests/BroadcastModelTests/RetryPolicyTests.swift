import BroadcastModel
import Testing

/// A generator that always returns the same value, so jitter lands where the test says.
struct FixedRandom: RandomNumberGenerator {
    var value: UInt64
    mutating func next() -> UInt64 { value }
}

@Suite struct RetryPolicyTests {
    @Test func defaultsAreThreeAttemptsWithExponentialDelays() {
        let policy = RetryPolicy(initialDelay: .seconds(2), multiplier: 2, maxDelay: .seconds(60), jitter: 0)
        var random = FixedRandom(value: 0)
        #expect(policy.maxAttempts == 3)
        #expect(policy.delay(afterAttempt: 1, using: &random) == .seconds(2))
        #expect(policy.delay(afterAttempt: 2, using: &random) == .seconds(4))
        #expect(policy.delay(afterAttempt: 3, using: &random) == nil)
    }

    @Test func delaysAreCapped() {
        let policy = RetryPolicy(maxAttempts: 10, initialDelay: .seconds(1), multiplier: 10, maxDelay: .seconds(30), jitter: 0)
        var random = FixedRandom(value: 0)
        #expect(policy.delay(afterAttempt: 3, using: &random) == .seconds(30))
        #expect(policy.delay(afterAttempt: 9, using: &random) == .seconds(30))
    }

    @Test func jitterStaysWithinItsSpread() {
        let policy = RetryPolicy(maxAttempts: 5, initialDelay: .seconds(10), multiplier: 1, jitter: 0.2)
        var low = FixedRandom(value: 0)
        var high = FixedRandom(value: .max)
        let lowDelay = policy.delay(afterAttempt: 1, using: &low)!
        let highDelay = policy.delay(afterAttempt: 1, using: &high)!
        #expect(lowDelay >= .seconds(8) && lowDelay <= .seconds(12))
        #expect(highDelay >= .seconds(8) && highDelay <= .seconds(12))
        #expect(lowDelay < highDelay)
    }

    @Test func nonsenseSettingsAreClamped() {
        let policy = RetryPolicy(maxAttempts: 0, multiplier: 0.5, jitter: 3)
        #expect(policy.maxAttempts == 1)
        #expect(policy.multiplier == 1)
        #expect(policy.jitter == 1)
    }
}
