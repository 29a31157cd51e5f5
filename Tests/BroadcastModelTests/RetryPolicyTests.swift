import BroadcastModel
import Testing

/// SplitMix64: a small seeded generator, so schedules are the same on every run.
struct SeededRandom: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

@Suite struct RetryPolicyTests {
    @Test func delaysGrowExponentiallyAndNeverRunOut() {
        let policy = RetryPolicy(initialDelay: .seconds(2), multiplier: 2, maxDelay: .seconds(60), jitter: 0)
        var random = SeededRandom(state: 0)
        #expect(policy.delay(afterFailures: 1, using: &random) == .seconds(2))
        #expect(policy.delay(afterFailures: 2, using: &random) == .seconds(4))
        #expect(policy.delay(afterFailures: 3, using: &random) == .seconds(8))
        #expect(policy.delay(afterFailures: 1_000_000, using: &random) == .seconds(60), "capped, and no overflow")
        #expect(policy.deadline == .seconds(1800), "a request is given up only after the deadline")
    }

    @Test func delaysAreCapped() {
        let policy = RetryPolicy(initialDelay: .seconds(1), multiplier: 10, maxDelay: .seconds(30), jitter: 0)
        var random = SeededRandom(state: 0)
        #expect(policy.delay(afterFailures: 3, using: &random) == .seconds(30))
        #expect(policy.delay(afterFailures: 9, using: &random) == .seconds(30))
    }

    @Test func jitterStaysWithinItsSpread() {
        let policy = RetryPolicy(initialDelay: .seconds(10), multiplier: 1, jitter: 0.2)
        var random = SeededRandom(state: 42)
        let delays = (0..<200).map { _ in policy.delay(afterFailures: 1, using: &random) }
        #expect(delays.allSatisfy { $0 >= .seconds(8) && $0 <= .seconds(12) })
        // Spread out, not bunched: both ends of the window are used.
        #expect(delays.contains { $0 < .seconds(9) } && delays.contains { $0 > .seconds(11) })
    }

    @Test func nonsenseSettingsAreClamped() {
        let policy = RetryPolicy(initialDelay: .seconds(5), multiplier: 0.5, maxDelay: .seconds(1), jitter: 3)
        #expect(policy.multiplier == 1)
        #expect(policy.jitter == 1)
        #expect(policy.maxDelay == .seconds(5), "the cap is never below the first delay")
    }
}
