import Testing

@testable import ChainRPC

/// When batches leave and which calls they carry, with instants given by the test.
@Suite("Batch assembly")
struct BatchAssemblerTests {
    static let start = ContinuousClock.now
    static func at(_ milliseconds: Int) -> ContinuousClock.Instant { start + .milliseconds(milliseconds) }

    static func assembler(size: Int = 3, window: Int = 5, connections: Int = 2, wait: Int = 1000) -> BatchAssembler {
        BatchAssembler(
            policy: .init(
                batchSize: size, window: .milliseconds(window), connections: connections,
                connectionWait: .milliseconds(wait)))
    }

    @Test func aFullBatchLeavesAtOnce() {
        var assembler = Self.assembler()
        #expect(assembler.enqueue(1, at: Self.at(0)) == [])
        #expect(assembler.enqueue(2, at: Self.at(1)) == [])
        #expect(assembler.enqueue(3, at: Self.at(2)) == [.send([1, 2, 3])])
        #expect(assembler.batchesOnTheWire == 1)
        #expect(assembler.nextWake == nil)
    }

    @Test func aPartBatchLeavesWhenItsFirstCallHasWaitedTheWindow() {
        var assembler = Self.assembler()
        _ = assembler.enqueue(1, at: Self.at(0))
        _ = assembler.enqueue(2, at: Self.at(3))
        #expect(assembler.nextWake == Self.at(5))
        #expect(assembler.tick(at: Self.at(4)) == [])
        #expect(assembler.tick(at: Self.at(5)) == [.send([1, 2])])
        #expect(assembler.nextWake == nil)
    }

    @Test func batchSizeOneSendsEveryCallAlone() {
        var assembler = Self.assembler(size: 1, connections: 3)
        #expect(assembler.enqueue(1, at: Self.at(0)) == [.send([1])])
        #expect(assembler.enqueue(2, at: Self.at(0)) == [.send([2])])
    }

    @Test func noMoreBatchesOnTheWireThanConnections() {
        var assembler = Self.assembler(size: 2, connections: 1)
        _ = assembler.enqueue(1, at: Self.at(0))
        #expect(assembler.enqueue(2, at: Self.at(0)) == [.send([1, 2])])
        _ = assembler.enqueue(3, at: Self.at(1))
        _ = assembler.enqueue(4, at: Self.at(1))
        _ = assembler.enqueue(5, at: Self.at(2))
        // The window passed, but the one connection is busy: wake only for the wait bound.
        #expect(assembler.tick(at: Self.at(50)) == [])
        #expect(assembler.nextWake == Self.at(1001))
        // Its batch answered: the oldest calls go first, in order, a full batch at most.
        #expect(assembler.batchFinished(at: Self.at(60)) == [.send([3, 4])])
        #expect(assembler.batchFinished(at: Self.at(70)) == [.send([5])])
    }

    @Test func callsThatFindNoConnectionExpireUnsent() {
        var assembler = Self.assembler(size: 1, connections: 1, wait: 100)
        #expect(assembler.enqueue(1, at: Self.at(0)) == [.send([1])])
        _ = assembler.enqueue(2, at: Self.at(10))
        _ = assembler.enqueue(3, at: Self.at(60))
        #expect(assembler.nextWake == Self.at(110))
        #expect(assembler.tick(at: Self.at(110)) == [.expire([2])])
        #expect(assembler.nextWake == Self.at(160))
        #expect(assembler.batchFinished(at: Self.at(120)) == [.send([3])])
    }

    @Test func aCancelledCallLeavesTheQueue() {
        var assembler = Self.assembler()
        _ = assembler.enqueue(1, at: Self.at(0))
        _ = assembler.enqueue(2, at: Self.at(1))
        let removed = assembler.remove(1)
        let removedAgain = assembler.remove(1)
        #expect(removed && !removedAgain)
        #expect(assembler.nextWake == Self.at(6))
        _ = assembler.enqueue(3, at: Self.at(2))
        #expect(assembler.enqueue(4, at: Self.at(2)) == [.send([2, 3, 4])])
        let removedOnTheWire = assembler.remove(2)
        #expect(!removedOnTheWire)
    }

    @Test func aZeroWindowSendsAtOnceWhileAConnectionIsFree() {
        var assembler = Self.assembler(size: 100, window: 0, connections: 1)
        #expect(assembler.enqueue(1, at: Self.at(0)) == [.send([1])])
        _ = assembler.enqueue(2, at: Self.at(1))
        _ = assembler.enqueue(3, at: Self.at(2))
        #expect(assembler.batchFinished(at: Self.at(3)) == [.send([2, 3])])
    }
}
