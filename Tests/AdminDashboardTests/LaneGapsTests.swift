@testable import AdminDashboard
import EVMPrimitives
import Testing

@Suite("Lane gaps")
struct LaneGapsTests {
    @Test("the nonces between the chain's latest and the store's next that no request holds")
    func gaps() {
        #expect(LaneGaps.count(chainLatest: Nonce(1), next: Nonce(11), held: 3) == 7)
        #expect(LaneGaps.count(chainLatest: Nonce(5), next: Nonce(8), held: 3) == 0)
        // A chain ahead of the store (another sender used the key) leaves no window.
        #expect(LaneGaps.count(chainLatest: Nonce(12), next: Nonce(11), held: 0) == 0)
        #expect(LaneGaps.count(chainLatest: Nonce(0), next: Nonce(2), held: 5) == 0)
    }
}
