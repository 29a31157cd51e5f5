import BroadcastModel
import EVMPrimitives
import Foundation

/// An instant of a clock the test moves by hand.
struct TestInstant: InstantProtocol {
    var sinceStart: Duration

    static let start = TestInstant(sinceStart: .zero)

    func advanced(by duration: Duration) -> TestInstant { TestInstant(sinceStart: sinceStart + duration) }
    func duration(to other: TestInstant) -> Duration { other.sinceStart - sinceStart }
    static func < (lhs: TestInstant, rhs: TestInstant) -> Bool { lhs.sinceStart < rhs.sinceStart }
}

/// A generator that always returns the same value, so jitter lands where the test says.
struct FixedRandom: RandomNumberGenerator {
    var value: UInt64 = 0
    mutating func next() -> UInt64 { value }
}

enum Fixtures {
    /// Dev key 0x…01's address, the default signer.
    static let sender = try! Address("0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf")
    /// The contract of the mission's example.
    static let contract = try! Address("0x5eb715d601c2f27f83cb554b6b36e047822fb70a")
    /// The calldata of the mission's example request, as given.
    static let missionCalldata = try! Calldata(
        hex: "0xd71363280000000000000000000000005eb715d601c2f27f83cb554b6b36e047822fb70a"
            + "00000000000000000000000000000000000000000000000000000000000000fa")

    static func request(id: RequestID = RequestID(), data: Calldata = missionCalldata) -> BroadcastRequest {
        BroadcastRequest(
            id: id, messageType: "add_weight(address _addr, uint256 _weight)", function: "add_weight(address,uint256)",
            data: data, to: contract, from: sender, acceptedAt: Date())
    }

    /// A stored record with made-up signed bytes, for scheduling tests.
    static func record(nonce: UInt64, attempts: Int = 0) -> TransactionRecord {
        TransactionRecord(
            request: request(), status: .signed, nonce: Nonce(nonce), rawTransaction: [0x02, UInt8(truncatingIfNeeded: nonce)],
            hash: try! TxHash(bytes: [UInt8](repeating: UInt8(truncatingIfNeeded: nonce), count: 32)),
            attempts: attempts, createdAt: Date(), updatedAt: Date())
    }
}
