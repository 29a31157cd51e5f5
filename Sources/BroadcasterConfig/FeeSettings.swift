import Configuration
import EVMPrimitives

/// The bounds within which fees follow the chain: a first version pays the node's suggested
/// tip (between the least and the most tip) and a cap of `baseFeeMultiplier` × base fee + tip;
/// a replacement raises both by `bumpPercent`; nothing is ever signed above the ceiling.
public struct FeeSettings: Hashable, Sendable {
    /// The highest `maxFeePerGas` ever signed (the ceiling of every bump).
    public var maxFeePerGas: Wei = .gwei(500)
    /// The most tip a first version pays, whatever the node suggests.
    public var maxPriorityFeePerGas: Wei = .gwei(5)
    /// The least tip a version pays.
    public var minPriorityFeePerGas: Wei = Wei(10_000_000)
    public var bumpPercent: UInt64 = 12
    public var baseFeeMultiplier: UInt64 = 2

    public init() {}

    /// Reads the `fees` node.
    ///
    /// ## Configuration keys
    /// - `maxFeePerGasGwei` (gwei, default 500): the ceiling of every fee cap, bumps included.
    /// - `maxPriorityFeePerGasGwei` (gwei, default 5): the most tip a first version pays.
    /// - `minPriorityFeePerGasGwei` (gwei, default 0.01): the least tip a version pays.
    /// - `bumpPercent` (integer 10-100, default 12): how much a replacement raises both fees.
    /// - `baseFeeMultiplier` (integer 1-10, default 2): the cap is this many base fees plus the tip.
    public init(reader: ConfigReader) throws(ConfigurationError) {
        let settings = SettingsReader(reader)
        maxFeePerGas = try Self.gwei(settings, "maxFeePerGasGwei", default: 500)
        maxPriorityFeePerGas = try Self.gwei(settings, "maxPriorityFeePerGasGwei", default: 5)
        minPriorityFeePerGas = try Self.gwei(settings, "minPriorityFeePerGasGwei", default: 0.01)
        guard maxPriorityFeePerGas <= maxFeePerGas else {
            throw ConfigurationError(key: ["maxPriorityFeePerGasGwei"], reason: "the most tip (\(maxPriorityFeePerGas) wei) exceeds fees.maxFeePerGasGwei (\(maxFeePerGas) wei); lower it or raise the ceiling")
        }
        guard minPriorityFeePerGas <= maxPriorityFeePerGas else {
            throw ConfigurationError(key: ["minPriorityFeePerGasGwei"], reason: "the least tip (\(minPriorityFeePerGas) wei) exceeds fees.maxPriorityFeePerGasGwei (\(maxPriorityFeePerGas) wei)")
        }
        bumpPercent = UInt64(try settings.int("bumpPercent", default: 12, in: 10...100))
        baseFeeMultiplier = UInt64(try settings.int("baseFeeMultiplier", default: 2, in: 1...10))
    }

    /// A fee in gwei (fractions down to 1 wei), as wei.
    private static func gwei(_ settings: SettingsReader, _ key: String, default value: Double) throws(ConfigurationError) -> Wei {
        let gwei = try settings.double(key, default: value)
        guard gwei.isFinite, gwei >= 0, gwei <= 1_000_000 else {
            throw ConfigurationError(key: [key], reason: "\(gwei) is not a fee; give gwei from 0 to 1000000 (fractions allowed, e.g. 0.5)")
        }
        return Wei(UInt64((gwei * 1_000_000_000).rounded()))
    }
}
