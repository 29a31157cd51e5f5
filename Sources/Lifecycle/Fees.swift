import BigInt
import EVMPrimitives
import Foundation

/// The two EIP-1559 fee fields of one signed version.
public struct FeeCaps: Hashable, Sendable, CustomStringConvertible {
    public var maxFeePerGas: Wei
    public var maxPriorityFeePerGas: Wei

    public init(maxFeePerGas: Wei, maxPriorityFeePerGas: Wei) {
        self.maxFeePerGas = maxFeePerGas
        self.maxPriorityFeePerGas = maxPriorityFeePerGas
    }

    public var description: String { "cap \(maxFeePerGas) wei, tip \(maxPriorityFeePerGas) wei" }
}

/// What the chain asks for now: the latest base fee and the node's suggested tip.
public struct MarketFees: Hashable, Sendable {
    public var baseFee: Wei
    public var suggestedTip: Wei

    public init(baseFee: Wei, suggestedTip: Wei) {
        self.baseFee = baseFee
        self.suggestedTip = suggestedTip
    }
}

/// How fees are chosen from the market, within bounds an operator sets.
///
/// A first version pays the suggested tip (clamped to `minTip...maxTip`) and a cap of
/// `baseFeeMultiplier` × base fee + tip, never above `ceiling`. A replacement at the same nonce
/// must raise both fields by at least 10% (nodes refuse less as "replacement transaction
/// underpriced"), so it raises each by `bumpPercent` or to what the market asks now, whichever
/// is higher; when even the minimal raise would pass `ceiling`, there is no replacement.
public struct FeePolicy: Hashable, Sendable {
    public var minTip: Wei
    public var maxTip: Wei
    /// The highest `maxFeePerGas` ever signed.
    public var ceiling: Wei
    /// 2 leaves room for six full blocks of base-fee growth (+12.5% each) before the cap binds.
    public var baseFeeMultiplier: UInt64
    /// At least 10, what geth and most nodes require of a replacement.
    public var bumpPercent: UInt64

    public static let minimumBumpPercent: UInt64 = 10

    public init(minTip: Wei, maxTip: Wei, ceiling: Wei, baseFeeMultiplier: UInt64 = 2, bumpPercent: UInt64 = 12) {
        self.minTip = min(minTip, maxTip)
        self.maxTip = maxTip
        self.ceiling = ceiling
        self.baseFeeMultiplier = max(1, baseFeeMultiplier)
        self.bumpPercent = max(Self.minimumBumpPercent, bumpPercent)
    }

    /// The fees of a first version under `market`.
    public func initial(for market: MarketFees) -> FeeCaps {
        let tip = min(clampTip(market.suggestedTip), ceiling)
        let wanted = market.baseFee.value * BigUInt(baseFeeMultiplier) + tip.value
        let cap = min(wei(wanted), ceiling)
        return FeeCaps(maxFeePerGas: cap, maxPriorityFeePerGas: min(tip, cap))
    }

    /// The fees of a version replacing one signed with `previous`, under `market`; nil when
    /// the smallest acceptable raise would pass the ceiling.
    public func replacement(of previous: FeeCaps, for market: MarketFees) -> FeeCaps? {
        let minimumTip = raised(previous.maxPriorityFeePerGas)
        let minimumCap = raised(previous.maxFeePerGas)
        guard minimumCap <= ceiling, minimumTip <= ceiling else { return nil }
        let tip = max(minimumTip, clampTip(market.suggestedTip))
        let wanted = wei(market.baseFee.value * BigUInt(baseFeeMultiplier) + tip.value)
        let cap = min(max(minimumCap, wanted), ceiling)
        guard tip <= cap || minimumTip <= cap else { return nil }
        return FeeCaps(maxFeePerGas: cap, maxPriorityFeePerGas: min(tip, cap))
    }

    private func clampTip(_ tip: Wei) -> Wei { min(max(tip, minTip), maxTip) }

    /// `value` raised by `bumpPercent`, rounded up, and by at least 1 wei.
    private func raised(_ value: Wei) -> Wei {
        let bumped = (value.value * BigUInt(100 + bumpPercent) + 99) / 100
        return wei(max(bumped, value.value + 1))
    }

    /// Fees are bounded by the ceiling, itself a `Wei`, so results stay within 256 bits; the
    /// saturation only guards the arithmetic of an absurd market.
    private func wei(_ value: BigUInt) -> Wei {
        Wei(exactly: value) ?? Wei(exactly: (BigUInt(1) << 256) - 1) ?? .zero
    }
}
