import Testing

@testable import ChainRPC

@Suite("Endpoint health")
struct EndpointHealthTests {
    private let start = ContinuousClock.Instant.now
    private let policy = EndpointHealth.Policy(failureThreshold: 3, coolDown: .seconds(30))

    private func at(_ seconds: Int) -> ContinuousClock.Instant { start.advanced(by: .seconds(seconds)) }

    @Test func startsInPriorityOrder() {
        let health = EndpointHealth(endpointCount: 3, policy: policy)
        #expect(health.attemptOrder(at: at(0)) == [0, 1, 2])
    }

    @Test func failuresBelowTheThresholdKeepTheOrder() {
        var health = EndpointHealth(endpointCount: 2, policy: policy)
        health.recordFailure(of: 0, at: at(0))
        health.recordFailure(of: 0, at: at(1))
        #expect(health.attemptOrder(at: at(2)) == [0, 1])
        #expect(health.consecutiveFailures(of: 0) == 2)
    }

    @Test func thresholdSendsTheEndpointToTheBack() {
        var health = EndpointHealth(endpointCount: 3, policy: policy)
        for second in 0..<3 { health.recordFailure(of: 0, at: at(second)) }
        #expect(health.isCoolingDown(0, at: at(3)))
        #expect(health.attemptOrder(at: at(3)) == [1, 2, 0])
    }

    @Test func coolDownEnds() {
        var health = EndpointHealth(endpointCount: 2, policy: policy)
        for _ in 0..<3 { health.recordFailure(of: 0, at: at(10)) }
        #expect(health.attemptOrder(at: at(39)) == [1, 0])
        #expect(health.attemptOrder(at: at(40)) == [0, 1])
    }

    @Test func oneMoreFailureAfterTheCoolDownCoolsDownAgain() {
        var health = EndpointHealth(endpointCount: 2, policy: policy)
        for _ in 0..<3 { health.recordFailure(of: 0, at: at(0)) }
        health.recordFailure(of: 0, at: at(31))
        #expect(health.isCoolingDown(0, at: at(60)))
        #expect(!health.isCoolingDown(0, at: at(61)))
    }

    @Test func successResets() {
        var health = EndpointHealth(endpointCount: 2, policy: policy)
        for _ in 0..<3 { health.recordFailure(of: 0, at: at(0)) }
        health.recordSuccess(of: 0)
        #expect(health.consecutiveFailures(of: 0) == 0)
        #expect(health.attemptOrder(at: at(1)) == [0, 1])
        health.recordFailure(of: 0, at: at(2))
        #expect(health.attemptOrder(at: at(2)) == [0, 1])
    }

    @Test func allCoolingAreStillTriedSoonestFirst() {
        var health = EndpointHealth(endpointCount: 3, policy: policy)
        for _ in 0..<3 { health.recordFailure(of: 0, at: at(5)) }
        for _ in 0..<3 { health.recordFailure(of: 1, at: at(1)) }
        for _ in 0..<3 { health.recordFailure(of: 2, at: at(3)) }
        #expect(health.attemptOrder(at: at(6)) == [1, 2, 0])
    }

    @Test func aSingleEndpointIsAlwaysTried() {
        var health = EndpointHealth(endpointCount: 1, policy: policy)
        for _ in 0..<10 { health.recordFailure(of: 0, at: at(0)) }
        #expect(health.attemptOrder(at: at(1)) == [0])
    }
}
