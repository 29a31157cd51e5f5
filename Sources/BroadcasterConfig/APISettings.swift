import Configuration
import Foundation
import EVMPrimitives

/// The HTTP API: where it listens, what it accepts, who may call it.
public struct APISettings: Hashable, Sendable {
    public var host: String = "127.0.0.1"
    public var port: Int = 8080
    /// The largest request body accepted; a larger one gets 413.
    public var maxBodyBytes: Int = 65_536
    /// SHA-256 digests of the accepted API keys; empty means the API is open.
    public var apiKeyHashes: [[UInt8]] = []
    /// The longest `Prefer: wait=N` a caller may ask for.
    public var maxWait: Duration = .seconds(60)
    /// The `Retry-After` given with a 503.
    public var retryAfter: Duration = .seconds(2)

    public init() {}

    /// Reads the `api` node.
    ///
    /// ## Configuration keys
    /// - `host` (string, default `127.0.0.1`): the address to listen on.
    /// - `port` (integer 1-65535, default 8080).
    /// - `maxBodyBytes` (integer 64-16777216, default 65536).
    /// - `apiKeyHashes` (list of 64-hex SHA-256 digests, default empty = no key needed): the keys
    ///   themselves are never configured; `printf %s "$KEY" | sha256sum` gives a digest.
    /// - `maxWait` (seconds, default 60): the largest `Prefer: wait=N`.
    /// - `retryAfter` (whole seconds, default 2): sent with 503.
    public init(reader: ConfigReader) throws(ConfigurationError) {
        let settings = SettingsReader(reader)
        host = try settings.string("host", default: host)
        guard !host.isEmpty else {
            throw ConfigurationError(key: ["host"], reason: "the listen address is empty; give one such as 127.0.0.1 or 0.0.0.0")
        }
        port = try settings.int("port", default: port, in: 1...65535)
        maxBodyBytes = try settings.int("maxBodyBytes", default: maxBodyBytes, in: 64...16_777_216)
        let hashes = try settings.stringArray("apiKeyHashes", default: [])
        apiKeyHashes = try hashes.enumerated().map { (index, text) throws(ConfigurationError) -> [UInt8] in
            let trimmed = text.trimmingCharacters(in: .whitespaces)
            guard trimmed.count == 64, let digest = try? Hex.decode(trimmed, requirePrefix: false) else {
                throw ConfigurationError(key: ["apiKeyHashes"], reason: "entry \(index + 1) is not a SHA-256 digest (64 hex characters); configure the key's hash, never the key: printf %s \"$KEY\" | sha256sum")
            }
            return digest
        }
        maxWait = try settings.seconds("maxWait", default: maxWait)
        guard maxWait <= .seconds(600) else {
            throw ConfigurationError(key: ["maxWait"], reason: "\(maxWait.inSeconds) s is longer than 600 s; callers should poll GET /transaction/{id} instead")
        }
        retryAfter = .seconds(try settings.int("retryAfter", default: 2, in: 1...3600))
    }
}
