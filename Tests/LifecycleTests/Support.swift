import BroadcastModel
import EVMPrimitives
import Foundation
import Lifecycle

/// A generator that always returns the same value, so jitter lands where the test says.
struct FixedRandom: RandomNumberGenerator {
    var value: UInt64 = 1 << 63
    mutating func next() -> UInt64 { value }
}

/// A clock the test moves by hand.
struct TestClock {
    var now = Date(timeIntervalSince1970: 1_800_000_000)
    mutating func advance(_ seconds: TimeInterval) { now = now.addingTimeInterval(seconds) }
}

enum Fixture {
    static let sender = try! Address("0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf")
    static let market = MarketFees(baseFee: .gwei(10), suggestedTip: .gwei(1))
    static let fees = FeePolicy(minTip: .gwei(1), maxTip: .gwei(5), ceiling: .gwei(100))
    static let policy = LifecyclePolicy(
        confirmations: 3,
        retry: RetryPolicy(initialDelay: .seconds(2), multiplier: 2, maxDelay: .seconds(60), jitter: 0, deadline: .seconds(600)),
        poolCheckAfter: .seconds(60), bumpAfter: .seconds(120), bumpAfterBlocks: 10, fees: fees)

    static func hash(_ byte: UInt8) -> TxHash { try! TxHash(bytes: [UInt8](repeating: byte, count: 32)) }
    static func blockHash(_ byte: UInt8) -> BlockHash { BlockHash(bytes: [UInt8](repeating: byte, count: 32))! }

    static func version(_ number: Int, kind: TransactionVersion.Kind = .original, fees: FeeCaps? = nil, at date: Date) -> TransactionVersion {
        TransactionVersion(
            number: number, kind: kind, hash: hash(UInt8(number)), raw: [0x02, UInt8(number)],
            fees: fees ?? Fixture.fees.initial(for: market), signedAt: date)
    }

    static func request(nonce: UInt64 = 7, at date: Date, policy: LifecyclePolicy = policy) -> RequestLifecycle {
        let state = LifecycleState(
            id: RequestID(), sender: sender, nonce: Nonce(nonce), original: version(1, at: date),
            deadline: date.addingTimeInterval(600))
        return RequestLifecycle(state: state, policy: policy)
    }

    static func inclusion(of hash: TxHash, block: UInt64, succeeded: Bool = true) -> Inclusion {
        Inclusion(hash: hash, block: BlockNumber(block), blockHash: blockHash(UInt8(block % 256)), succeeded: succeeded, gasUsed: Gas(30_000), effectiveGasPrice: .gwei(11))
    }
}

extension RequestLifecycle {
    /// `nextActions` at `clock.now`, head of its line, with the fixture's market.
    mutating func actions(_ clock: TestClock, head: UInt64? = 100, headOfLine: Bool = true, market: MarketFees? = Fixture.market) -> [LifecycleAction] {
        nextActions(.init(
            now: clock.now, head: head.map(BlockNumber.init), market: market,
            headOfLineSince: headOfLine ? .init(date: Date.distantPast, block: nil) : nil))
    }

    mutating func apply(_ event: LifecycleEvent, _ clock: TestClock) {
        var random = FixedRandom()
        apply(event, at: clock.now, random: &random)
    }
}
