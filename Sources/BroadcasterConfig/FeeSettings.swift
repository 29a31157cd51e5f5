import Configuration
import EVMPrimitives

/// The EIP-1559 fees every transaction is signed with (fixed for now; fee bumping is on the roadmap).
public struct FeeSettings: Hashable, Sendable {
    public var maxFeePerGas: Wei = .gwei(50)
    public var maxPriorityFeePerGas: Wei = .gwei(1)

    public init() {}

    /// Reads the `fees` node.
    ///
    /// ## Configuration keys
    /// - `maxFeePerGasGwei` (integer, default 50).
    /// - `maxPriorityFeePerGasGwei` (integer, default 1): at most `maxFeePerGasGwei`.
    public init(reader: ConfigReader) throws(ConfigurationError) {
        let settings = SettingsReader(reader)
        let maxFee = try settings.int("maxFeePerGasGwei", default: 50, in: 0...1_000_000_000)
        let priority = try settings.int("maxPriorityFeePerGasGwei", default: 1, in: 0...1_000_000_000)
        guard priority <= maxFee else {
            throw ConfigurationError(key: ["maxPriorityFeePerGasGwei"], reason: "the priority fee (\(priority) gwei) exceeds fees.maxFeePerGasGwei (\(maxFee) gwei); lower it or raise the max fee")
        }
        maxFeePerGas = .gwei(UInt64(maxFee))
        maxPriorityFeePerGas = .gwei(UInt64(priority))
    }
}
