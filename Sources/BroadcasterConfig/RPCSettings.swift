import Configuration
import EVMPrimitives
import Foundation

/// The chain and the JSON-RPC endpoints the workers broadcast through.
public struct RPCSettings: Hashable, Sendable {
    /// In order of preference; the client fails over to the next.
    public var endpoints: [URL] = [URL(string: "http://127.0.0.1:8545")!]
    public var callTimeout: Duration = .seconds(45)
    public var chainID = ChainID(131_277_322_940_537)
    /// Calls per JSON-RPC batch request; 1 sends plain requests (a node without batches).
    public var batchSize = 100
    /// How long a batch's first call waits for more to join.
    public var batchWindow: Duration = .milliseconds(5)
    /// HTTP connections per endpoint; each carries one batch at a time.
    public var connections = 64
    /// How long a call waits for a free connection before it fails unsent.
    public var connectionWait: Duration = .seconds(60)

    public init() {}

    /// Reads the `rpc` node.
    ///
    /// ## Configuration keys
    /// - `endpoints` (list of http(s) URLs, default `["http://127.0.0.1:8545"]`).
    /// - `callTimeout` (seconds, default 45): one JSON-RPC call's limit.
    /// - `chainID` (integer, default 131277322940537): the chain the transactions are signed for.
    /// - `batchSize` (integer 1-1000, default 100): calls per JSON-RPC batch request (geth
    ///   answers at most 1,000 a batch); 1 sends every call as a plain request.
    /// - `batchWindow` (seconds ≥ 0, default 0.005): how long a batch's first call waits for
    ///   others before the batch goes out anyway.
    /// - `connections` (integer 1-100000, default 64): HTTP connections per endpoint, one batch
    ///   on each at a time: at most `connections × batchSize` calls on the wire per endpoint.
    /// - `connectionWait` (seconds > 0, default 60): how long a call waits for a free
    ///   connection before it fails, unsent; `callTimeout` starts only once it is on the wire.
    public init(reader: ConfigReader) throws(ConfigurationError) {
        let settings = SettingsReader(reader)
        let texts = try settings.stringArray("endpoints", default: endpoints.map(\.absoluteString))
        guard !texts.isEmpty else {
            throw ConfigurationError(key: ["endpoints"], reason: "no endpoint is configured; give at least one URL such as http://127.0.0.1:8545")
        }
        endpoints = try texts.map { (text) throws(ConfigurationError) -> URL in
            guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme),
                  let host = url.host, !host.isEmpty
            else {
                throw ConfigurationError(key: ["endpoints"], reason: "\"\(text)\" is not an http(s) URL; give one such as http://127.0.0.1:8545")
            }
            return url
        }
        callTimeout = try settings.seconds("callTimeout", default: callTimeout)
        let chain = try settings.int("chainID", default: Int(chainID.value), in: 1...Int.max)
        chainID = ChainID(UInt64(chain))
        batchSize = try settings.int("batchSize", default: batchSize, in: 1...1000)
        batchWindow = try settings.seconds("batchWindow", default: batchWindow, allowZero: true)
        connections = try settings.int("connections", default: connections, in: 1...100_000)
        connectionWait = try settings.seconds("connectionWait", default: connectionWait)
    }
}
