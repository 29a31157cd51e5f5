/// When to try a failed broadcast again: exponential backoff with jitter, a cap, and a limit.
///
/// A pure value: the caller supplies the random source, so schedules are testable.
public struct RetryPolicy: Hashable, Sendable {
    /// Attempts in all, the first included. At least 1.
    public var maxAttempts: Int
    public var initialDelay: Duration
    public var multiplier: Double
    public var maxDelay: Duration
    /// Fraction of each delay that is randomized: 0.2 spreads a 10 s delay over 8-12 s, so that
    /// many transactions failing together do not retry together.
    public var jitter: Double

    public init(
        maxAttempts: Int = 3, initialDelay: Duration = .seconds(2), multiplier: Double = 2,
        maxDelay: Duration = .seconds(60), jitter: Double = 0.2
    ) {
        self.maxAttempts = max(1, maxAttempts)
        self.initialDelay = initialDelay
        self.multiplier = max(1, multiplier)
        self.maxDelay = maxDelay
        self.jitter = min(max(0, jitter), 1)
    }

    /// The delay before attempt `attempt + 1`, after `attempt` attempts failed; nil when none is left.
    public func delay(afterAttempt attempt: Int, using random: inout some RandomNumberGenerator) -> Duration? {
        guard attempt >= 1, attempt < maxAttempts else { return nil }
        let base = initialDelay.seconds * pow(multiplier, attempt - 1)
        let capped = min(base, maxDelay.seconds)
        let spread = capped * jitter
        let seconds = spread > 0 ? Double.random(in: (capped - spread)...(capped + spread), using: &random) : capped
        return .milliseconds(Int64((max(0, seconds) * 1000).rounded()))
    }
}

private func pow(_ base: Double, _ exponent: Int) -> Double {
    (0..<exponent).reduce(1) { product, _ in product * base }
}

extension Duration {
    var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
