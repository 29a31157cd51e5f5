import Configuration

/// How much one worker process takes on.
public struct WorkerSettings: Hashable, Sendable {
    /// Broadcasts in flight (including those waiting for a retry) per process.
    public var maxInFlight: Int = 4096
    /// Consumed messages recorded per SQLite transaction.
    public var intakeBatchSize: Int = 256

    public init() {}

    /// Reads the `worker` node.
    ///
    /// ## Configuration keys
    /// - `maxInFlight` (integer 1-1000000, default 4096): broadcasts in flight per process.
    /// - `intakeBatchSize` (integer 1-10000, default 256): consumed messages per store transaction.
    public init(reader: ConfigReader) throws(ConfigurationError) {
        let settings = SettingsReader(reader)
        maxInFlight = try settings.int("maxInFlight", default: maxInFlight, in: 1...1_000_000)
        intakeBatchSize = try settings.int("intakeBatchSize", default: intakeBatchSize, in: 1...10_000)
    }
}
