import BroadcastModel
import EVMPrimitives
import Foundation
import Lifecycle
import Testing

@Suite("A sender's lane, as values")
struct SenderLaneStateTests {
    /// A lane holding a request at each of `nonces`, inserted in that order; `settling` ones
    /// wait to be settled by receipts.
    private func lane(
        nonces: [UInt64], at date: Date, maxPending: Int? = nil, settling: Set<UInt64> = []
    ) -> (SenderLaneState, [RequestID]) {
        var policy = Fixture.policy
        if let maxPending { policy.maxPendingPerSender = maxPending }
        var lane = SenderLaneState(sender: Fixture.sender, policy: policy)
        var ids: [RequestID] = []
        for nonce in nonces {
            var state = Fixture.request(nonce: nonce, at: date, policy: policy).state
            state.needsSettlement = settling.contains(nonce)
            ids.append(state.id)
            lane.insert(state)
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

    @Test("intake's bound hears once when a request is taken by a node or ends, and not for other changes")
    func untakenChanges() {
        let clock = TestClock()
        var (lane, ids) = lane(nonces: [7, 8, 9], at: clock.now)
        #expect(lane.takeUntakenChanges() == [ids[0]: true, ids[1]: true, ids[2]: true])
        _ = lane.nextActions(now: clock.now, head: nil, market: Fixture.market)
        #expect(lane.takeUntakenChanges().isEmpty)

        apply(&lane, .sent(version: 1, .accepted, head: nil), to: ids[0], clock)
        apply(&lane, .sent(version: 1, .accepted, head: nil), to: ids[0], clock)
        apply(&lane, .sent(version: 1, .unknown(reason: "timed out"), head: nil), to: ids[1], clock)
        #expect(lane.takeUntakenChanges() == [ids[0]: false])

        // Mined without a word from the node, then confirmed: final, so no longer counted.
        let hash = lane.request(ids[2])!.state.original.hash
        apply(&lane, .included(Fixture.inclusion(of: hash, block: 10)), to: ids[2], clock)
        var random = FixedRandom()
        lane.apply(head: BlockNumber(12), canonical: CanonicalBlocks(), at: clock.now, random: &random)
        #expect(lane.finished.map(\.state.id).contains(ids[2]))
        #expect(lane.takeUntakenChanges()[ids[2]] == false)
        lane.remove(ids[2])
        #expect(lane.takeUntakenChanges().isEmpty)
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
        lane.apply(head: BlockNumber(12), canonical: CanonicalBlocks(), at: clock.now, random: &random)
        #expect(lane.finished.map(\.state.id) == [ids[0]])
        lane.remove(ids[0])
        #expect(lane.isEmpty)
        #expect(lane.request(hash: hash) == nil)
    }

    /// Issue 7, rule 2: the watcher reports a reorganisation only of blocks it processed; an
    /// inclusion a lane found itself in a block replaced before the watcher reached it must not
    /// be confirmed by depth alone.
    @Test("a mined request whose block the watcher saw replaced goes back, and is never confirmed there")
    func replacedBlockUnseenByTheWatcher() throws {
        let clock = TestClock()
        var (lane, ids) = lane(nonces: [7], at: clock.now)
        _ = lane.nextActions(now: clock.now, head: nil, market: Fixture.market)
        apply(&lane, .sent(version: 1, .accepted, head: nil), to: ids[0], clock)
        let hash = try #require(lane.request(ids[0])).state.original.hash
        // The lane's own settlement read the receipt in block 10 (hash 0x0a…) before the watcher
        // processed block 10; then block 10 was replaced by 0xee….
        apply(&lane, .included(Fixture.inclusion(of: hash, block: 10)), to: ids[0], clock)
        #expect(lane.request(ids[0])?.state.inclusion?.block == BlockNumber(10))
        var random = FixedRandom()
        let replaced = CanonicalBlocks([BlockNumber(9): Fixture.blockHash(9), BlockNumber(10): Fixture.blockHash(0xee)])
        lane.apply(head: BlockNumber(10), canonical: replaced, at: clock.now, random: &random)
        #expect(lane.request(ids[0])?.state.inclusion == nil)
        #expect(lane.request(ids[0])?.state.lastError?.contains("reorganised") == true)

        // A late answer naming the replaced block again is not taken; deep enough, nothing is final.
        apply(&lane, .included(Fixture.inclusion(of: hash, block: 10)), to: ids[0], clock)
        #expect(lane.request(ids[0])?.state.inclusion == nil)
        var deeper: [BlockNumber: BlockHash] = [BlockNumber(10): Fixture.blockHash(0xee)]
        for number in 11...20 { deeper[BlockNumber(UInt64(number))] = Fixture.blockHash(UInt8(number)) }
        lane.apply(head: BlockNumber(20), canonical: CanonicalBlocks(deeper), at: clock.now, random: &random)
        #expect(lane.finished.isEmpty)

        // Mined in the new chain, in the block the watcher saw: confirmed there.
        apply(&lane, .included(Fixture.inclusion(of: hash, block: 11)), to: ids[0], clock)
        #expect(lane.request(ids[0])?.state.inclusion?.block == BlockNumber(11))
        lane.apply(head: BlockNumber(20), canonical: CanonicalBlocks(deeper), at: clock.now, random: &random)
        #expect(lane.finished.map(\.state.id) == [ids[0]])
    }

    @Test("an inclusion at a number the watcher has not processed, or below its window, is taken")
    func inclusionOutsideTheWindow() throws {
        let clock = TestClock()
        var (lane, ids) = lane(nonces: [7], at: clock.now)
        _ = lane.nextActions(now: clock.now, head: nil, market: Fixture.market)
        apply(&lane, .sent(version: 1, .accepted, head: nil), to: ids[0], clock)
        let hash = try #require(lane.request(ids[0])).state.original.hash
        var random = FixedRandom()
        let window = CanonicalBlocks([BlockNumber(50): Fixture.blockHash(50), BlockNumber(51): Fixture.blockHash(51)])
        lane.apply(head: BlockNumber(51), canonical: window, at: clock.now, random: &random)
        apply(&lane, .included(Fixture.inclusion(of: hash, block: 10)), to: ids[0], clock)
        #expect(lane.request(ids[0])?.state.inclusion?.block == BlockNumber(10))
        lane.apply(head: BlockNumber(51), canonical: window, at: clock.now, random: &random)
        #expect(lane.finished.map(\.state.id) == [ids[0]], "below the window: the depth decides, as before")
    }

    /// Issue 10: nodes keep only so many pending transactions per account.
    @Test("only the lowest maxPendingPerSender unmined nonces go out; the next when one is mined, with its whole deadline")
    func pendingLimit() throws {
        var clock = TestClock()
        var (lane, ids) = lane(nonces: [7, 8, 9, 10], at: clock.now, maxPending: 2)
        func sends(_ work: [SenderLaneState.Work]) -> [RequestID] {
            work.compactMap { if case .request(let id, .send) = $0 { id } else { nil } }
        }
        func actions(of id: RequestID, _ work: [SenderLaneState.Work]) -> [LifecycleAction] {
            work.compactMap { if case .request(id, let action) = $0 { action } else { nil } }
        }
        #expect(sends(lane.nextActions(now: clock.now, head: nil, market: Fixture.market)) == [ids[0], ids[1]])
        for id in ids.prefix(2) { apply(&lane, .sent(version: 1, .accepted, head: nil), to: id, clock) }
        let wake = try #require(lane.nextWake(now: clock.now, head: nil, market: Fixture.market))
        #expect(wake > clock.now, "the held nonces wait for an event, not a timer")

        // Held well past the 600 s a node has to take a request: neither given up nor cancelled.
        clock.advance(700)
        let later = lane.nextActions(now: clock.now, head: nil, market: Fixture.market)
        #expect(actions(of: ids[2], later).isEmpty && actions(of: ids[3], later).isEmpty)
        #expect(lane.request(ids[2])?.state.giveUpReason == nil)

        let hash = try #require(lane.request(ids[0])).state.original.hash
        apply(&lane, .included(Fixture.inclusion(of: hash, block: 10)), to: ids[0], clock)
        let released = lane.nextActions(now: clock.now, head: nil, market: Fixture.market)
        #expect(sends(released) == [ids[2]])
        let deadline = try #require(lane.request(ids[2])).state.deadline
        #expect(deadline >= clock.now.addingTimeInterval(590), "its time to be taken starts when it may go out")
    }

    /// A nonce to settle acts wherever it is: settling decides whose transaction used it, and
    /// the window never reaches it while lower nonces wait.
    @Test("beyond the pending window only a nonce to settle acts; waiting requests keep their whole deadline")
    func beyondTheWindow() throws {
        var clock = TestClock()
        // Inserted out of order, as intake and a reload may: the window still starts lowest.
        let nonces: [UInt64] = [12, 8, 10, 7, 11, 9]
        var (lane, inserted) = lane(nonces: nonces, at: clock.now, maxPending: 2, settling: [11])
        let ids = Dictionary(uniqueKeysWithValues: zip(nonces, inserted))
        func kinds(_ work: [SenderLaneState.Work]) -> [(RequestID, LifecycleAction.Kind)] {
            work.compactMap { if case .request(let id, let action) = $0 { (id, action.kind) } else { nil } }
        }
        let first = kinds(lane.nextActions(now: clock.now, head: nil, market: Fixture.market))
        let id7 = try #require(ids[7]), id8 = try #require(ids[8]), id11 = try #require(ids[11])
        #expect(first.map(\.0) == [id7, id8, id11])
        #expect(first.map(\.1) == [.send, .send, .settleNonce])
        for id in [id7, id8] { apply(&lane, .sent(version: 1, .accepted, head: nil), to: id, clock) }

        // Nonces 9, 10 and 12 wait: their deadlines pass without giving them up.
        clock.advance(3_600)
        #expect(lane.nextActions(now: clock.now, head: nil, market: Fixture.market).allSatisfy {
            if case .request(let id, _) = $0 { [id7, id8, id11].contains(id) } else { true }
        })

        // Nonce 7 mined: 9 goes out, with the whole deadline from now.
        let hash = try #require(lane.request(id7)).state.original.hash
        apply(&lane, .included(Fixture.inclusion(of: hash, block: 10)), to: id7, clock)
        let released = kinds(lane.nextActions(now: clock.now, head: nil, market: Fixture.market))
        let id9 = try #require(ids[9])
        #expect(released.contains { $0 == (id9, .send) })
        #expect(!released.contains { $0.0 == ids[10] || $0.0 == ids[12] })
        let deadline = try #require(lane.request(id9)).state.deadline
        #expect(deadline >= clock.now.addingTimeInterval(590))
        #expect(lane.request(id9)?.state.giveUpReason == nil)

        // Removed requests leave the window: with 7 final and gone, 8 and 9 are the two unmined.
        lane.remove(id7)
        #expect(lane.request(id7) == nil)
        let after = kinds(lane.nextActions(now: clock.now, head: nil, market: Fixture.market))
        #expect(!after.contains { $0.0 == ids[10] })
    }

    /// Issue 10: the lane looks again only at what changed or came due, so a request deep in
    /// the window must still act when its own time comes, with no event to wake it.
    @Test("a request that changed nothing acts when its own time comes, and only then")
    func ownTimeWithoutAnEvent() throws {
        var clock = TestClock()
        let start = clock.now
        var (lane, ids) = lane(nonces: [7, 8, 9, 10, 11], at: clock.now)
        func poolChecks(_ work: [SenderLaneState.Work]) -> [RequestID] {
            work.compactMap { if case .request(let id, .checkPool) = $0 { id } else { nil } }
        }
        _ = lane.nextActions(now: clock.now, head: nil, market: Fixture.market)
        for id in ids where id != ids[2] { apply(&lane, .sent(version: 1, .accepted, head: nil), to: id, clock) }
        #expect(lane.nextActions(now: clock.now, head: nil, market: Fixture.market).isEmpty)
        clock.advance(10)
        apply(&lane, .sent(version: 1, .accepted, head: nil), to: ids[2], clock)
        #expect(lane.nextActions(now: clock.now, head: nil, market: Fixture.market).isEmpty)
        #expect(lane.nextWake(now: clock.now, head: nil, market: Fixture.market) == start.addingTimeInterval(60))

        clock.advance(50)
        #expect(poolChecks(lane.nextActions(now: clock.now, head: nil, market: Fixture.market)) == [ids[0], ids[1], ids[3], ids[4]])
        #expect(lane.nextWake(now: clock.now, head: nil, market: Fixture.market) == start.addingTimeInterval(70))
        clock.advance(5)
        #expect(lane.nextActions(now: clock.now, head: nil, market: Fixture.market).isEmpty)
        clock.advance(5)
        #expect(poolChecks(lane.nextActions(now: clock.now, head: nil, market: Fixture.market)) == [ids[2]])
    }
}
