import Configuration

/// How a worker follows its transactions on chain until they are final.
public struct TrackingSettings: Hashable, Sendable {
    /// Blocks a version must be deep (its block counting as 1) before a status is final.
    public var confirmations: UInt64 = 12
    /// A version a node took but that is not mined this long after is looked up in the node's
    /// pool, and sent again if the node no longer holds it.
    public var poolCheckAfter: Duration = .seconds(60)
    /// The oldest unmined version of a sender is replaced with higher fees after waiting this
    /// long, or this many blocks, at the head of the sender's line.
    public var bumpAfter: Duration = .seconds(180)
    public var bumpAfterBlocks: UInt64 = 15
    /// Pause between reads of the chain's head.
    public var pollInterval: Duration = .seconds(1)

    public init() {}

    /// Reads the `tracking` node.
    ///
    /// ## Configuration keys
    /// - `confirmations` (integer 1-1000, default 12).
    /// - `poolCheckAfter` (seconds, default 60).
    /// - `bumpAfter` (seconds, default 180) and `bumpAfterBlocks` (integer 1-10000, default 15).
    /// - `pollInterval` (seconds, default 1).
    public init(reader: ConfigReader) throws(ConfigurationError) {
        let settings = SettingsReader(reader)
        confirmations = UInt64(try settings.int("confirmations", default: 12, in: 1...1000))
        poolCheckAfter = try settings.seconds("poolCheckAfter", default: poolCheckAfter)
        bumpAfter = try settings.seconds("bumpAfter", default: bumpAfter)
        bumpAfterBlocks = UInt64(try settings.int("bumpAfterBlocks", default: 15, in: 1...10_000))
        pollInterval = try settings.seconds("pollInterval", default: pollInterval)
    }
}
