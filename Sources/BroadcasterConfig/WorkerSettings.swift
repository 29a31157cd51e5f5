import Configuration

/// How much one worker process takes on, and where it answers operators.
public struct WorkerSettings: Hashable, Sendable {
    /// Broadcasts in flight (including those waiting for a retry) per process.
    public var maxInFlight: Int = 4096
    /// Consumed messages recorded per SQLite transaction.
    public var intakeBatchSize: Int = 256
    /// Where `/healthz`, `/readyz` and `/metrics` listen.
    public var host: String = "127.0.0.1"
    /// 0 lets the system pick a free port (the worker logs which).
    public var port: Int = 8090

    public init() {}

    /// Reads the `worker` node.
    ///
    /// ## Configuration keys
    /// - `maxInFlight` (integer 1-1000000, default 4096): broadcasts in flight per process.
    /// - `intakeBatchSize` (integer 1-10000, default 256): consumed messages per store transaction.
    /// - `host` (string, default `127.0.0.1`): the address of the health and metrics endpoints.
    /// - `port` (integer 0-65535, default 8090; 0 = a free port, logged): their port. Workers on
    ///   one host need one each (`BROADCASTER_WORKER_PORT`).
    public init(reader: ConfigReader) throws(ConfigurationError) {
        let settings = SettingsReader(reader)
        maxInFlight = try settings.int("maxInFlight", default: maxInFlight, in: 1...1_000_000)
        intakeBatchSize = try settings.int("intakeBatchSize", default: intakeBatchSize, in: 1...10_000)
        host = try settings.string("host", default: host)
        guard !host.isEmpty else {
            throw ConfigurationError(key: ["host"], reason: "the health endpoint's listen address is empty; give one such as 127.0.0.1 or 0.0.0.0")
        }
        port = try settings.int("port", default: port, in: 0...65535)
    }
}
