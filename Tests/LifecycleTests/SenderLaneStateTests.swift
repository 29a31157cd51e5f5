import BroadcastModel
import EVMPrimitives
import Foundation
import Lifecycle
import Testing

@Suite("A sender's lane, as values")
struct SenderLaneStateTests {
    private func lane(nonces: [UInt64], at date: Date) -> (SenderLaneState, [RequestID]) {
        var lane = SenderLaneState(sender: Fixture.sender, policy: Fixture.policy)
        var ids: [RequestID] = []
        for nonce in nonces {
            let request = Fixture.request(nonce: nonce, at: date)
            ids.append(request.state.id)
            lane.insert(request.state)
        }
        return (lane, ids)
    }

    private func apply(_ lane: inout SenderLaneState, _ event: LifecycleEvent, to id: RequestID, _ clock: TestClock) {
        var random = FixedRandom()
        lane.apply(event, to: id, at: clock.now, random: &random)
    }

    @Test("everything due goes out, lowest nonce first")
    func order() {
        let clock = TestClock()
        var (lane, ids) = lane(nonces: [9, 7, 8], at: clock.now)
        let work = lane.nextActions(now: clock.now, head: nil, market: Fixture.market)
        let order: [RequestID?] = work.map { if case .request(let id, _) = $0 { id } else { nil } }
        #expect(order == [ids[1], ids[2], ids[0]])
    }

    @Test("a gap reported for nonce 9 sends 7 and 8 again at once")
    func gapResendsLower() {
        let clock = TestClock()
        var (lane, ids) = lane(nonces: [7, 8, 9], at: clock.now)
        _ = lane.nextActions(now: clock.now, head: nil, market: Fixture.market)
        apply(&lane, .sent(version: 1, .accepted, head: nil), to: ids[0], clock)
        apply(&lane, .sent(version: 1, .accepted, head: nil), to: ids[1], clock)
        apply(&lane, .sent(version: 1, .refused(.nonceTooHigh, reason: "nonce too high"), head: nil), to: ids[2], clock)
        let work = lane.nextActions(now: clock.now, head: nil, market: Fixture.market)
        let sent = work.compactMap { if case .request(let id, .send) = $0 { id } else { nil } }
        #expect(sent == [ids[0], ids[1]])
    }

    @Test("only the head of the line is bumped: a later nonce cannot be mined before it")
    func onlyHeadOfLineBumps() {
        var clock = TestClock()
        var (lane, ids) = lane(nonces: [7, 8], at: clock.now)
        _ = lane.nextActions(now: clock.now, head: nil, market: Fixture.market)
        for id in ids { apply(&lane, .sent(version: 1, .accepted, head: nil), to: id, clock) }
        clock.advance(121)
        let work = lane.nextActions(now: clock.now, head: nil, market: Fixture.market)
        let signers = work.compactMap { if case .request(let id, .sign) = $0 { id } else { nil } }
        #expect(signers == [ids[0]])

        // Once 7 is mined, 8 is the head of the line, and its timer starts then.
        apply(&lane, .included(Fixture.inclusion(of: lane.request(ids[0])!.state.original.hash, block: 50)), to: ids[0], clock)
        #expect(lane.nextActions(now: clock.now, head: nil, market: Fixture.market).filter { if case .request(_, .sign) = $0 { true } else { false } }.isEmpty)
        clock.advance(121)
        let later = lane.nextActions(now: clock.now, head: nil, market: Fixture.market)
        #expect(later.compactMap { if case .request(let id, .sign) = $0 { id } else { nil } } == [ids[1]])
    }

    @Test("the chain's count past an unmined nonce makes it settle by receipts")
    func minedCountSettles() {
        let clock = TestClock()
        var (lane, ids) = lane(nonces: [7, 8], at: clock.now)
        _ = lane.nextActions(now: clock.now, head: nil, market: Fixture.market)
        for id in ids { apply(&lane, .sent(version: 1, .accepted, head: nil), to: id, clock) }
        var random = FixedRandom()
        lane.apply(minedCount: Nonce(8), at: clock.now, random: &random)
        let work = lane.nextActions(now: clock.now, head: nil, market: Fixture.market)
        #expect(work == [.request(ids[0], .settleNonce)])
    }

    @Test("final requests are handed over and forgotten, with their hashes")
    func finished() {
        let clock = TestClock()
        var (lane, ids) = lane(nonces: [7], at: clock.now)
        _ = lane.nextActions(now: clock.now, head: nil, market: Fixture.market)
        let hash = lane.request(ids[0])!.state.original.hash
        #expect(lane.request(hash: hash)?.state.id == ids[0])
        apply(&lane, .included(Fixture.inclusion(of: hash, block: 10)), to: ids[0], clock)
        var random = FixedRandom()
        lane.apply(head: BlockNumber(12), at: clock.now, random: &random)
        #expect(lane.finished.map(\.state.id) == [ids[0]])
        lane.remove(ids[0])
        #expect(lane.isEmpty)
        #expect(lane.request(hash: hash) == nil)
    }
}
