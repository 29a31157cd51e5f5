import BigInt
import BroadcastModel
import EVMPrimitives
import Foundation
import Lifecycle
import Testing

@Suite("A request's lifecycle, as values")
struct RequestLifecycleTests {
    @Test("signed, sent, taken, mined, then confirmed only once deep enough")
    func happyPath() {
        var clock = TestClock()
        var request = Fixture.request(at: clock.now)
        #expect(request.status == .signed)
        let first = request.actions(clock)
        #expect(first == [.send(request.state.original)])
        #expect(request.actions(clock).isEmpty, "a send in flight is not handed out twice")

        request.apply(.sent(version: 1, .accepted, head: BlockNumber(100)), clock)
        #expect(request.status == .submitted)
        request.apply(.included(Fixture.inclusion(of: Fixture.hash(1), block: 101)), clock)
        #expect(request.status == .mined)
        request.apply(.head(BlockNumber(102)), clock)
        #expect(request.status == .mined, "two blocks deep of three")
        request.apply(.head(BlockNumber(103)), clock)
        #expect(request.status == .confirmed)
        clock.advance(10_000)
        #expect(request.actions(clock).isEmpty)
    }

    @Test("a reverted receipt, deep enough, is reverted: the nonce is used, the call had no effect")
    func reverted() {
        let clock = TestClock()
        var request = Fixture.request(at: clock.now)
        _ = request.actions(clock)
        request.apply(.sent(version: 1, .accepted, head: nil), clock)
        request.apply(.included(Fixture.inclusion(of: Fixture.hash(1), block: 50, succeeded: false)), clock)
        request.apply(.head(BlockNumber(60)), clock)
        #expect(request.status == .reverted)
        #expect(request.status.retryable)
    }

    @Test("a lost answer is unknown; the same bytes go out again after the backoff")
    func timeoutResendsSameBytes() {
        var clock = TestClock()
        var request = Fixture.request(at: clock.now)
        _ = request.actions(clock)
        request.apply(.sent(version: 1, .unknown(reason: "timed out"), head: nil), clock)
        #expect(request.status == .unknown)
        clock.advance(1.9)
        #expect(request.actions(clock).isEmpty, "backoff of 2 s")
        clock.advance(0.2)
        #expect(request.actions(clock) == [.send(request.state.original)])
        request.apply(.sent(version: 1, .notSent(reason: "connection refused"), head: nil), clock)
        #expect(request.status == .unknown, "the first send may still have landed")
        clock.advance(3.9)
        #expect(request.actions(clock).isEmpty, "second backoff of 4 s")
        clock.advance(0.2)
        #expect(request.actions(clock) == [.send(request.state.original)])
        request.apply(.sent(version: 1, .accepted, head: nil), clock)
        #expect(request.status == .submitted)
        #expect(request.state.versions.count == 1)
    }

    @Test("sends that never reach a node are retrying, and past the deadline the nonce is cancelled")
    func deadlineCancels() throws {
        var clock = TestClock()
        var request = Fixture.request(at: clock.now)
        var sends = 0
        while clock.now < request.state.deadline {
            for action in request.actions(clock) {
                if case .send = action {
                    sends += 1
                    request.apply(.sent(version: 1, .notSent(reason: "connection refused"), head: nil), clock)
                }
            }
            #expect(request.status == .retrying)
            clock.advance(1)
        }
        #expect(sends > 5)
        let actions = request.actions(clock)
        guard case .sign(.cancellation, let fees) = actions.first else {
            Issue.record("expected a cancellation, got \(actions)")
            return
        }
        let original = request.state.original.fees
        #expect(fees.maxFeePerGas.value * 100 >= original.maxFeePerGas.value * 110)
        #expect(fees.maxPriorityFeePerGas.value * 100 >= original.maxPriorityFeePerGas.value * 110)
        #expect(request.state.giveUpReason?.contains("retry.deadline") == true)

        let cancellation = Fixture.version(2, kind: .cancellation, fees: fees, at: clock.now)
        request.apply(.signed(cancellation), clock)
        #expect(request.actions(clock) == [.send(cancellation)])
        request.apply(.sent(version: 2, .accepted, head: BlockNumber(200)), clock)
        #expect(request.status == .replaced)
        request.apply(.included(Fixture.inclusion(of: cancellation.hash, block: 201)), clock)
        request.apply(.head(BlockNumber(203)), clock)
        #expect(request.status == .failed)
        guard case .failed(let reason) = request.state.outcome else {
            Issue.record("not failed")
            return
        }
        #expect(reason.contains("cancellation took nonce 7"))
    }

    @Test("whichever version is mined settles the request: the original landing after a cancellation confirms it")
    func originalWinsOverCancellation() {
        let clock = TestClock()
        var request = Fixture.request(at: clock.now)
        _ = request.actions(clock)
        request.apply(.sent(version: 1, .refused(.invalid, reason: "invalid sender"), head: nil), clock)
        guard case .sign(.cancellation, let fees) = request.actions(clock).first else {
            Issue.record("expected a cancellation")
            return
        }
        request.apply(.signed(Fixture.version(2, kind: .cancellation, fees: fees, at: clock.now)), clock)
        request.apply(.included(Fixture.inclusion(of: Fixture.hash(1), block: 10)), clock)
        request.apply(.head(BlockNumber(20)), clock)
        #expect(request.status == .confirmed)
    }

    @Test("nonce too low is settled by receipts: taken by another means failed; undecided asks again later")
    func nonceTooLow() {
        var clock = TestClock()
        var request = Fixture.request(at: clock.now)
        _ = request.actions(clock)
        request.apply(.sent(version: 1, .refused(.nonceTooLow, reason: "nonce too low"), head: nil), clock)
        #expect(request.actions(clock) == [.settleNonce])
        #expect(request.actions(clock).isEmpty)
        request.apply(.settled(.undecided), clock)
        #expect(request.actions(clock).isEmpty, "not before the retry's initial delay")
        clock.advance(2)
        #expect(request.actions(clock) == [.settleNonce])
        request.apply(.settled(.takenByOther), clock)
        #expect(request.status == .failed)

        // Had one of ours been mined, the settlement would have reported an inclusion instead.
        var other = Fixture.request(at: clock.now)
        _ = other.actions(clock)
        other.apply(.sent(version: 1, .refused(.nonceTooLow, reason: "nonce too low"), head: nil), clock)
        _ = other.actions(clock)
        other.apply(.included(Fixture.inclusion(of: Fixture.hash(1), block: 5)), clock)
        other.apply(.settled(.takenByOther), clock)
        #expect(other.status == .mined)
    }

    @Test("a fee refusal replaces the version with fees up at least 10% on both fields")
    func feesTooLow() {
        let clock = TestClock()
        var request = Fixture.request(at: clock.now)
        _ = request.actions(clock)
        request.apply(.sent(version: 1, .refused(.feesTooLow, reason: "replacement transaction underpriced"), head: nil), clock)
        guard case .sign(.replacement, let fees) = request.actions(clock).first else {
            Issue.record("expected a replacement")
            return
        }
        let old = request.state.original.fees
        #expect(fees.maxFeePerGas.value * 100 >= old.maxFeePerGas.value * 110)
        #expect(fees.maxPriorityFeePerGas.value * 100 >= old.maxPriorityFeePerGas.value * 110)
        let replacement = Fixture.version(2, kind: .replacement, fees: fees, at: clock.now)
        request.apply(.signed(replacement), clock)
        #expect(request.actions(clock) == [.send(replacement)])
        request.apply(.sent(version: 2, .accepted, head: nil), clock)
        #expect(request.status == .replaced)
        #expect(request.state.versions.map(\.hash) == [Fixture.hash(1), Fixture.hash(2)])
    }

    @Test("at the fee ceiling there is no replacement, one alert, and the version is offered again later")
    func feeCeiling() {
        var clock = TestClock()
        let tight = FeePolicy(minTip: .gwei(1), maxTip: .gwei(5), ceiling: .gwei(21))
        var policy = Fixture.policy
        policy.fees = tight
        var request = Fixture.request(at: clock.now, policy: policy)
        #expect(request.state.original.fees.maxFeePerGas == .gwei(21), "2 × 10 gwei base + 1 gwei tip, at the 21 gwei ceiling: \(request.state.original.fees)")
        _ = request.actions(clock)
        request.apply(.sent(version: 1, .refused(.feesTooLow, reason: "underpriced"), head: nil), clock)
        let actions = request.actions(clock)
        #expect(actions.count == 1)
        guard case .alert(let text) = actions.first else {
            Issue.record("expected an alert, got \(actions)")
            return
        }
        #expect(text.contains("fees.maxFeePerGasGwei"))
        #expect(request.actions(clock).isEmpty, "alerted once")
        clock.advance(61)
        #expect(request.actions(clock) == [.send(request.state.original)])
    }

    @Test("the oldest unmined version is bumped after bumpAfter at the head of its line, not before, not behind a lower nonce")
    func bumpByTime() {
        var clock = TestClock()
        var request = Fixture.request(at: clock.now)
        _ = request.actions(clock)
        request.apply(.sent(version: 1, .accepted, head: BlockNumber(100)), clock)
        clock.advance(119)
        #expect(request.actions(clock, head: 101) == [.checkPool(request.state.original)], "a pool check, no replacement yet")
        request.apply(.poolChecked(version: 1, present: true), clock)
        clock.advance(2)
        #expect(request.actions(clock, head: 101, headOfLine: false).filter { $0.kind == .sign }.isEmpty, "a lower nonce is still waiting")
        let actions = request.actions(clock, head: 101)
        guard case .sign(.replacement, _) = actions.first else {
            Issue.record("expected a replacement, got \(actions)")
            return
        }
    }

    @Test("a bump also comes after bumpAfterBlocks blocks at the head of the line")
    func bumpByBlocks() {
        let clock = TestClock()
        var request = Fixture.request(at: clock.now)
        _ = request.actions(clock)
        request.apply(.sent(version: 1, .accepted, head: BlockNumber(100)), clock)
        #expect(request.actions(clock, head: 109).isEmpty)
        guard case .sign(.replacement, _) = request.actions(clock, head: 110).first else {
            Issue.record("expected a replacement")
            return
        }
    }

    @Test("a version the node no longer holds goes out again, same bytes")
    func evictedFromPool() {
        var clock = TestClock()
        var request = Fixture.request(at: clock.now)
        _ = request.actions(clock)
        request.apply(.sent(version: 1, .accepted, head: nil), clock)
        clock.advance(59)
        #expect(request.actions(clock, headOfLine: false).isEmpty)
        clock.advance(2)
        #expect(request.actions(clock, headOfLine: false) == [.checkPool(request.state.original)])
        request.apply(.poolChecked(version: 1, present: true), clock)
        #expect(request.actions(clock, headOfLine: false).isEmpty)
        clock.advance(61)
        #expect(request.actions(clock, headOfLine: false) == [.checkPool(request.state.original)])
        request.apply(.poolChecked(version: 1, present: false), clock)
        #expect(request.actions(clock, headOfLine: false) == [.send(request.state.original)])
        #expect(request.status == .submitted)
    }

    @Test("a reorganisation takes a mined request back to submitted and sends it again")
    func reorganised() {
        let clock = TestClock()
        var request = Fixture.request(at: clock.now)
        _ = request.actions(clock)
        request.apply(.sent(version: 1, .accepted, head: nil), clock)
        request.apply(.included(Fixture.inclusion(of: Fixture.hash(1), block: 100)), clock)
        request.apply(.head(BlockNumber(101)), clock)
        request.apply(.reorganised, clock)
        #expect(request.status == .submitted)
        #expect(request.actions(clock, headOfLine: false) == [.send(request.state.original)])
        request.apply(.head(BlockNumber(110)), clock)
        #expect(request.status == .submitted, "depth counts only a canonical inclusion")
    }

    @Test("a sender without funds waits and alerts once, and is never given up for it")
    func insufficientFunds() {
        var clock = TestClock()
        var request = Fixture.request(at: clock.now)
        _ = request.actions(clock)
        request.apply(.sent(version: 1, .refused(.insufficientFunds, reason: "insufficient funds for gas * price + value"), head: nil), clock)
        var alerts = 0
        for _ in 0..<40 {
            for action in request.actions(clock) {
                switch action {
                case .alert: alerts += 1
                case .send: request.apply(.sent(version: 1, .refused(.insufficientFunds, reason: "insufficient funds for gas * price + value"), head: nil), clock)
                default: Issue.record("unexpected \(action)")
                }
            }
            clock.advance(60)
        }
        #expect(clock.now > request.state.deadline)
        #expect(alerts == 1)
        #expect(request.state.giveUpReason == nil)
        #expect(request.status == .retrying)
    }

    @Test("answers about an older version do not move the newest")
    func lateAnswers() {
        let clock = TestClock()
        var request = Fixture.request(at: clock.now)
        _ = request.actions(clock)
        request.apply(.sent(version: 1, .refused(.feesTooLow, reason: "underpriced"), head: nil), clock)
        guard case .sign(_, let fees) = request.actions(clock).first else { return }
        let replacement = Fixture.version(2, kind: .replacement, fees: fees, at: clock.now)
        request.apply(.signed(replacement), clock)
        _ = request.actions(clock)
        request.apply(.sent(version: 1, .refused(.invalid, reason: "late"), head: nil), clock)
        #expect(request.state.giveUpReason == nil)
        request.apply(.sent(version: 2, .accepted, head: nil), clock)
        #expect(request.status == .replaced)
    }
}
