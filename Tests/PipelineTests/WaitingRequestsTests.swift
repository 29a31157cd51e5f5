import BroadcastModel
import Foundation
import Testing

@testable import Pipeline

/// Intake's bound for one lane, kept as sends reach and leave nodes and requests are taken.
@Suite struct WaitingRequestsTests {
    private let a = RequestID(UUID()), b = RequestID(UUID())

    @Test func handedOverRequestsCountUntilTheLaneTakesThemIn() {
        var waiting = WaitingRequests()
        waiting.handedOver()
        waiting.handedOver()
        #expect(waiting.count == 2)
        waiting.takenIn()
        waiting.set(a, untaken: true)
        #expect(waiting.count == 2)
    }

    @Test func aSendOutAtANodeTakesItsRequestOutOfTheCountUntilItEnds() {
        var waiting = WaitingRequests()
        waiting.set(a, untaken: true)
        waiting.set(b, untaken: true)
        waiting.reachedNode(a)
        waiting.reachedNode(a)
        #expect(waiting.count == 1)
        waiting.leftNode(a)
        #expect(waiting.count == 1, "one of its two sends is still out")
        waiting.leftNode(a)
        #expect(waiting.count == 2)
    }

    @Test func aTakenRequestIsNotCountedWhateverItsSendsDo() {
        var waiting = WaitingRequests()
        waiting.set(a, untaken: true)
        waiting.reachedNode(a)
        waiting.set(a, untaken: false)
        waiting.leftNode(a)
        #expect(waiting.count == 0)
        // A send that reached a node before the lane published the request, and a word twice.
        waiting.reachedNode(b)
        waiting.set(b, untaken: true)
        waiting.set(b, untaken: true)
        #expect(waiting.count == 0)
        waiting.leftNode(b)
        waiting.leftNode(b)
        #expect(waiting.count == 1)
    }
}
