import BroadcastModel
import EVMPrimitives
import Foundation
import Lifecycle
import Testing

/// The lane sleeps until `nextWake`: a wake in the past while nothing can be done makes it spin,
/// and an action left in flight for good makes it wait forever.
@Suite("When a request wakes its lane")
struct WakeTests {
    @Test("a bump due but held by the fee ceiling does not wake the lane again at once")
    func noSpinAtTheCeiling() {
        var clock = TestClock()
        var policy = Fixture.policy
        policy.fees = FeePolicy(minTip: .gwei(1), maxTip: .gwei(5), ceiling: .gwei(21))
        var request = Fixture.request(at: clock.now, policy: policy)
        _ = request.actions(clock)
        request.apply(.sent(version: 1, .accepted, head: BlockNumber(100)), clock)
        clock.advance(121)
        let actions = request.actions(clock)
        #expect(actions.contains { $0.kind == .alert }, "\(actions)")
        if actions.contains(.checkPool(request.state.original)) {
            request.apply(.poolChecked(version: 1, present: true), clock)
        }
        #expect(request.actions(clock).isEmpty)
        let wake = request.wake(clock)
        #expect(wake.map { $0 > clock.now } ?? true, "woken again at \(wake.map { "\($0.timeIntervalSince(clock.now)) s" } ?? "-")")
    }

    @Test("a pool check that could not run waits for its backoff, not in a loop")
    func noSpinAfterAnAbandonedPoolCheck() {
        var clock = TestClock()
        var request = Fixture.request(at: clock.now)
        _ = request.actions(clock)
        request.apply(.sent(version: 1, .accepted, head: nil), clock)
        clock.advance(61)
        #expect(request.actions(clock, headOfLine: false) == [.checkPool(request.state.original)])
        request.apply(.abandoned(.checkPool, reason: "connection refused"), clock)
        #expect(request.actions(clock, headOfLine: false).isEmpty, "backing off")
        let wake = request.wake(clock, headOfLine: false)
        #expect(wake.map { $0 > clock.now } ?? false, "woken again at \(wake.map { "\($0.timeIntervalSince(clock.now)) s" } ?? "never")")
        clock.advance(2.1)
        #expect(request.actions(clock, headOfLine: false) == [.checkPool(request.state.original)], "after the 2 s backoff")
    }

    @Test("a receipt found while settling ends the settlement: after a reorganisation a new 'nonce too low' settles again")
    func settlementEndsWithAnInclusion() {
        let clock = TestClock()
        var request = Fixture.request(at: clock.now)
        _ = request.actions(clock)
        request.apply(.sent(version: 1, .refused(.nonceTooLow, reason: "nonce too low"), head: nil), clock)
        #expect(request.actions(clock) == [.settleNonce])
        // The lane's settlement found the receipt of our version.
        request.apply(.included(Fixture.inclusion(of: Fixture.hash(1), block: 90)), clock)
        #expect(request.status == .mined)
        request.apply(.reorganised, clock)
        #expect(request.actions(clock) == [.send(request.state.original)])
        request.apply(.sent(version: 1, .refused(.nonceTooLow, reason: "nonce too low"), head: nil), clock)
        #expect(request.actions(clock) == [.settleNonce])
    }
}

extension RequestLifecycle {
    /// `nextWake` at `clock.now`, with the context `actions` uses.
    func wake(_ clock: TestClock, head: UInt64? = 100, headOfLine: Bool = true) -> Date? {
        nextWake(.init(
            now: clock.now, head: head.map(BlockNumber.init), market: Fixture.market,
            headOfLineSince: headOfLine ? .init(date: Date.distantPast, block: nil) : nil))
    }
}
