import BroadcastModel
import BroadcasterConfig
import EVMPrimitives
import Foundation
import Testing

@Suite("A message type's pool of senders")
struct SenderPoolTests {
    static let addresses = (1...4).map { index in
        try! Address("0x" + String(repeating: "0", count: 39) + String(index))
    }

    @Test("requests spread evenly over the pool; one id always names the same sender")
    func spread() throws {
        let pool = try #require(SenderPool(Self.addresses))
        var counts: [Address: Int] = [:]
        for _ in 0..<8_000 {
            let id = RequestID()
            let sender = pool.sender(for: id)
            #expect(pool.sender(for: id) == sender)
            #expect(pool.sender(for: RequestID(id.uuid)) == sender)
            counts[sender, default: 0] += 1
        }
        #expect(counts.count == 4)
        // 2,000 expected each; 1,800 is more than 4 standard deviations (about 39) away.
        for (address, count) in counts { #expect((1_800...2_200).contains(count), "\(address): \(count)") }
    }

    @Test("an Idempotency-Key's request id names the same sender in every API process")
    func derivedIDs() throws {
        let pool = try #require(SenderPool(Self.addresses))
        let id = try #require(RequestID("3f2a9c1e-0b7d-4e5f-8a6b-1c2d3e4f5a6b"))
        // 0x3f2a9c1e0b7d = 69,452,240,391,037 ≡ 1 (mod 4): the second address.
        #expect(pool.sender(for: id) == Self.addresses[1])
    }

    @Test("a single signer is a pool of one; an empty pool does not exist")
    func sizes() throws {
        let one = try #require(SenderPool([Self.addresses[0]]))
        #expect(one.sender(for: RequestID()) == Self.addresses[0])
        #expect(one.contains(Self.addresses[0]) && !one.contains(Self.addresses[1]))
        #expect(SenderPool([]) == nil)
    }
}
