import Configuration

/// How much one worker process takes on, and where it answers operators.
public struct WorkerSettings: Hashable, Sendable {
    /// Node calls (sends, lookups) in flight at once per process. Calls, not connections: the
    /// RPC client carries them in batches over `rpc.connections` connections per endpoint.
    public var maxInFlight: Int = 4096
    /// Consumed messages recorded per SQLite transaction.
    public var intakeBatchSize: Int = 256
    /// Where `/healthz`, `/readyz` and `/metrics` listen.
    public var host: String = "127.0.0.1"
    /// 0 lets the system pick a free port (the worker logs which).
    public var port: Int = 8090
    /// How long a sender's lease lasts unrenewed: a worker that dies (or pauses) holds its
    /// senders this long before another takes them over.
    public var leaseLength: Duration = .seconds(30)
    /// Intake pauses while this many stored requests have not been taken by any node.
    public var maxUnsent: Int = 10_000
    /// A sender's transactions out at a node and not yet mined, at most: the lowest this many
    /// unmined nonces of a sender may be sent, the later ones wait their turn (nodes keep only
    /// so many pending transactions per account and drop the rest).
    public var maxPendingPerSender: Int = 1000
    /// How old a sender's pending count, read ahead for all idle senders together, may be when
    /// its lane starts from it instead of asking the node then; zero asks at every start.
    public var nonceReadAhead: Duration = .seconds(60)

    public init() {}

    /// Reads the `worker` node.
    ///
    /// ## Configuration keys
    /// - `maxInFlight` (integer 1-1000000, default 4096): node calls in flight per process (calls
    ///   share connections as batches; more than `rpc.connections × rpc.batchSize` per endpoint
    ///   only wait in the endpoint's queue).
    /// - `intakeBatchSize` (integer 1-10000, default 256): consumed messages per store transaction.
    /// - `host` (string, default `127.0.0.1`): the address of the health and metrics endpoints.
    /// - `port` (integer 0-65535, default 8090; 0 = a free port, logged): their port. Workers on
    ///   one host need one each (`BROADCASTER_WORKER_PORT`).
    /// - `leaseLength` (seconds 2-3600, default 30): a sender's lease, renewed at half of it.
    /// - `maxUnsent` (integer 1-10000000, default 10000): the back-pressure bound of intake:
    ///   stored requests waiting for a node (not out at one).
    /// - `maxPendingPerSender` (integer 1-100000, default 1000): a sender's unmined transactions
    ///   sent at once; set it to what the node keeps per account.
    /// - `nonceReadAhead` (seconds 0-600, default 60): lanes start from pending counts read
    ///   ahead at most this long before; 0 reads the count at each lane's start.
    public init(reader: ConfigReader) throws(ConfigurationError) {
        let settings = SettingsReader(reader)
        maxInFlight = try settings.int("maxInFlight", default: maxInFlight, in: 1...1_000_000)
        intakeBatchSize = try settings.int("intakeBatchSize", default: intakeBatchSize, in: 1...10_000)
        host = try settings.string("host", default: host)
        guard !host.isEmpty else {
            throw ConfigurationError(key: ["host"], reason: "the health endpoint's listen address is empty; give one such as 127.0.0.1 or 0.0.0.0")
        }
        port = try settings.int("port", default: port, in: 0...65535)
        leaseLength = try settings.seconds("leaseLength", default: leaseLength)
        guard leaseLength >= .seconds(2), leaseLength <= .seconds(3600) else {
            throw ConfigurationError(key: ["leaseLength"], reason: "\(leaseLength.inSeconds) s is out of range; give 2 to 3600 seconds (renewed at half of it)")
        }
        maxUnsent = try settings.int("maxUnsent", default: maxUnsent, in: 1...10_000_000)
        maxPendingPerSender = try settings.int("maxPendingPerSender", default: maxPendingPerSender, in: 1...100_000)
        nonceReadAhead = try settings.seconds("nonceReadAhead", default: nonceReadAhead, allowZero: true)
        guard nonceReadAhead >= .zero, nonceReadAhead <= .seconds(600) else {
            throw ConfigurationError(key: ["nonceReadAhead"], reason: "\(nonceReadAhead.inSeconds) s is out of range; give 0 to 600 seconds (0 reads each count when its lane starts)")
        }
    }
}
