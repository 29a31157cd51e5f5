/// How long to wait between sends that did not get a version to a node: exponential backoff
/// with jitter and a cap, and a deadline after which the request is given up (its nonce is
/// then cancelled, so that later nonces are not stuck behind it).
///
/// The node is slow, not wrong: timeouts and transport failures are retried with the same
/// bytes until the deadline, never counted out after a fixed number of attempts. A pure value:
/// the caller supplies the random source, so schedules are testable.
public struct RetryPolicy: Hashable, Sendable {
    public var initialDelay: Duration
    public var multiplier: Double
    public var maxDelay: Duration
    /// Fraction of each delay that is randomized: 0.2 spreads a 10 s delay over 8-12 s, so that
    /// many transactions failing together do not retry together.
    public var jitter: Double
    /// How long a request may go without any of its versions reaching a node before it is
    /// given up. A sender waiting for funds is never given up.
    public var deadline: Duration

    public init(
        initialDelay: Duration = .seconds(2), multiplier: Double = 2, maxDelay: Duration = .seconds(60),
        jitter: Double = 0.2, deadline: Duration = .seconds(1800)
    ) {
        self.initialDelay = initialDelay
        self.multiplier = max(1, multiplier)
        self.maxDelay = max(initialDelay, maxDelay)
        self.jitter = min(max(0, jitter), 1)
        self.deadline = deadline
    }

    /// The delay before the next send after `failures` failed sends in a row (1 for the first).
    public func delay(afterFailures failures: Int, using random: inout some RandomNumberGenerator) -> Duration {
        let base = initialDelay.seconds * pow(multiplier, max(0, min(failures, 64) - 1))
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
    /// Whole and fractional seconds.
    var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
