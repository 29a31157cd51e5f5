import Configuration
import EVMPrimitives
import Foundation

/// The chain and the JSON-RPC endpoints the workers broadcast through.
public struct RPCSettings: Hashable, Sendable {
    /// In order of preference; the client fails over to the next.
    public var endpoints: [URL] = [URL(string: "http://127.0.0.1:8545")!]
    public var callTimeout: Duration = .seconds(45)
    public var chainID = ChainID(131_277_322_940_537)

    public init() {}

    /// Reads the `rpc` node.
    ///
    /// ## Configuration keys
    /// - `endpoints` (list of http(s) URLs, default `["http://127.0.0.1:8545"]`).
    /// - `callTimeout` (seconds, default 45): one JSON-RPC call's limit.
    /// - `chainID` (integer, default 131277322940537): the chain the transactions are signed for.
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
    }
}
