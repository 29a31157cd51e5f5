import BigInt
import EVMPrimitives
import Lifecycle
import Testing

@Suite("Fees from the market, within bounds")
struct FeePolicyTests {
    let policy = FeePolicy(minTip: .gwei(1), maxTip: .gwei(3), ceiling: .gwei(100))

    @Test("a first version pays the suggested tip within bounds and twice the base fee plus the tip")
    func initial() {
        #expect(policy.initial(for: MarketFees(baseFee: .gwei(10), suggestedTip: .gwei(2)))
            == FeeCaps(maxFeePerGas: .gwei(22), maxPriorityFeePerGas: .gwei(2)))
        #expect(policy.initial(for: MarketFees(baseFee: .gwei(10), suggestedTip: .gwei(9))).maxPriorityFeePerGas == .gwei(3))
        #expect(policy.initial(for: MarketFees(baseFee: Wei(7), suggestedTip: .zero)).maxPriorityFeePerGas == .gwei(1))
        #expect(policy.initial(for: MarketFees(baseFee: .gwei(80), suggestedTip: .gwei(1))).maxFeePerGas == .gwei(100), "the ceiling binds")
    }

    @Test("a replacement raises both fields by at least 10% (12% by default) or to the market, whichever is higher")
    func replacement() throws {
        let previous = FeeCaps(maxFeePerGas: .gwei(22), maxPriorityFeePerGas: .gwei(2))
        let calm = try #require(policy.replacement(of: previous, for: MarketFees(baseFee: .gwei(10), suggestedTip: .gwei(1))))
        #expect(calm.maxPriorityFeePerGas.value >= previous.maxPriorityFeePerGas.value * 110 / 100)
        #expect(calm.maxFeePerGas.value >= previous.maxFeePerGas.value * 110 / 100)
        #expect(calm == FeeCaps(maxFeePerGas: Wei(24_640_000_000), maxPriorityFeePerGas: Wei(2_240_000_000)))
        let busy = try #require(policy.replacement(of: previous, for: MarketFees(baseFee: .gwei(30), suggestedTip: .gwei(3))))
        #expect(busy == FeeCaps(maxFeePerGas: .gwei(63), maxPriorityFeePerGas: .gwei(3)))
    }

    @Test("no replacement when the smallest acceptable raise passes the ceiling; the ceiling itself when it still beats +10%")
    func ceiling() throws {
        let near = FeeCaps(maxFeePerGas: .gwei(91), maxPriorityFeePerGas: .gwei(1))
        #expect(policy.replacement(of: near, for: MarketFees(baseFee: .gwei(50), suggestedTip: .gwei(1))) == nil)
        let room = FeeCaps(maxFeePerGas: .gwei(89), maxPriorityFeePerGas: .gwei(1))
        let capped = try #require(policy.replacement(of: room, for: MarketFees(baseFee: .gwei(50), suggestedTip: .gwei(1))))
        #expect(capped.maxFeePerGas == .gwei(100))
        #expect(policy.replacement(of: capped, for: MarketFees(baseFee: .gwei(50), suggestedTip: .gwei(1))) == nil)
    }

    @Test("a bump of a 1 wei fee still raises it")
    func tinyFees() throws {
        let tiny = FeeCaps(maxFeePerGas: Wei(1), maxPriorityFeePerGas: Wei(1))
        let raised = try #require(FeePolicy(minTip: .zero, maxTip: .zero, ceiling: .gwei(1)).replacement(of: tiny, for: MarketFees(baseFee: .zero, suggestedTip: .zero)))
        #expect(raised.maxFeePerGas > tiny.maxFeePerGas)
        #expect(raised.maxPriorityFeePerGas > tiny.maxPriorityFeePerGas)
    }
}
