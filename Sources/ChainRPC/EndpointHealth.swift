/// Which endpoints to try, in which order: a pure state machine over consecutive failures.
///
/// An endpoint that fails `failureThreshold` times in a row is skipped for `coolDown`; after
/// that it is tried again, and its next failure sends it straight back to cooling down (its
/// count is not reset until it succeeds). Time is passed in, so tests drive it as a value.
public struct EndpointHealth: Sendable, Equatable {
    /// When to stop trying an endpoint for a while.
    public struct Policy: Sendable, Equatable {
        /// Consecutive failures after which the endpoint cools down.
        public var failureThreshold: Int
        /// How long a failing endpoint is skipped.
        public var coolDown: Duration

        public init(failureThreshold: Int = 3, coolDown: Duration = .seconds(30)) {
            self.failureThreshold = max(1, failureThreshold)
            self.coolDown = coolDown
        }
    }

    public typealias Instant = ContinuousClock.Instant

    private struct EndpointState: Sendable, Equatable {
        var consecutiveFailures = 0
        var skippedUntil: Instant?
    }

    public let policy: Policy
    private var states: [EndpointState]

    /// Starts with every endpoint healthy.
    public init(endpointCount: Int, policy: Policy = .init()) {
        self.policy = policy
        self.states = Array(repeating: EndpointState(), count: endpointCount)
    }

    /// The endpoint indices to try at `now`: healthy ones in priority order, then the cooling
    /// ones, soonest-recovered first, as a last resort (a call is never refused untried).
    public func attemptOrder(at now: Instant) -> [Int] {
        let indices = states.indices
        let healthy = indices.filter { !isCoolingDown($0, at: now) }
        let cooling = indices.filter { isCoolingDown($0, at: now) }
            .sorted { (states[$0].skippedUntil ?? now, $0) < (states[$1].skippedUntil ?? now, $1) }
        return healthy + cooling
    }

    /// The endpoints not cooling down at `now`, in priority order; every endpoint when all are
    /// cooling down (a send is never refused untried).
    public func healthyOrAll(at now: Instant) -> [Int] {
        let healthy = states.indices.filter { !isCoolingDown($0, at: now) }
        return healthy.isEmpty ? Array(states.indices) : healthy
    }

    /// Whether `endpoint` is being skipped at `now`.
    public func isCoolingDown(_ endpoint: Int, at now: Instant) -> Bool {
        guard let until = states[endpoint].skippedUntil else { return false }
        return now < until
    }

    /// Consecutive failures of `endpoint` since its last success.
    public func consecutiveFailures(of endpoint: Int) -> Int {
        states[endpoint].consecutiveFailures
    }

    /// The endpoint answered (any JSON-RPC answer, errors included): it is healthy again.
    public mutating func recordSuccess(of endpoint: Int) {
        states[endpoint] = EndpointState()
    }

    /// The endpoint failed to answer; at the threshold it starts cooling down from `now`.
    public mutating func recordFailure(of endpoint: Int, at now: Instant) {
        states[endpoint].consecutiveFailures += 1
        if states[endpoint].consecutiveFailures >= policy.failureThreshold {
            states[endpoint].skippedUntil = now.advanced(by: policy.coolDown)
        }
    }
}

/// The shared, mutable home of one client's ``EndpointHealth``, reading time from `now`.
actor EndpointHealthMonitor {
    private var health: EndpointHealth
    private let now: @Sendable () -> EndpointHealth.Instant

    init(
        endpointCount: Int,
        policy: EndpointHealth.Policy,
        now: @escaping @Sendable () -> EndpointHealth.Instant = { .now }
    ) {
        self.health = EndpointHealth(endpointCount: endpointCount, policy: policy)
        self.now = now
    }

    func attemptOrder() -> [Int] {
        health.attemptOrder(at: now())
    }

    func healthyOrAll() -> [Int] {
        health.healthyOrAll(at: now())
    }

    func recordSuccess(of endpoint: Int) {
        health.recordSuccess(of: endpoint)
    }

    func recordFailure(of endpoint: Int) {
        health.recordFailure(of: endpoint, at: now())
    }
}
