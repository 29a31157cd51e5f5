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
    /// A connection with no request in progress is closed after this long.
    public var idleTimeout: Duration = .seconds(60)
    /// A request's head (request line and headers) must arrive within this long of its first byte.
    public var headerTimeout: Duration = .seconds(10)
    /// A request's body must arrive within this long of its head.
    public var bodyTimeout: Duration = .seconds(30)
    /// Connections served at once; more wait in the listen backlog. Capped at start by the
    /// process's file limit (less what Kafka and the store need).
    public var maxConnections: Int = 1024
    /// The API's log level, one of `logLevels`. Per-request lines ("request accepted") are
    /// `debug`: at `info` nothing is written per accepted request.
    public var logLevel: String = "info"

    /// swift-log's levels, most verbose first.
    public static let logLevels = ["trace", "debug", "info", "notice", "warning", "error", "critical"]

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
    /// - `idleTimeout` (seconds, default 60, at most 3600): a connection between requests is closed after it.
    /// - `headerTimeout` (seconds, default 10, at most 300): from a request's first byte to its last header.
    /// - `bodyTimeout` (seconds, default 30, at most 3600): from a request's head to the end of its body.
    /// - `maxConnections` (integer 1-1000000, default 1024): connections served at once.
    /// - `logLevel` (one of `trace`, `debug`, `info`, `notice`, `warning`, `error`, `critical`;
    ///   default `info`): `debug` adds a line per accepted request.
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
        do {
            maxWait = try settings.seconds("maxWait", default: maxWait, atMost: .seconds(600))
        } catch {
            throw ConfigurationError(key: ["maxWait"], reason: "\(error.reason); for longer, callers should poll GET /transaction/{id} instead")
        }
        retryAfter = .seconds(try settings.int("retryAfter", default: 2, in: 1...3600))
        idleTimeout = try settings.seconds("idleTimeout", default: idleTimeout, atMost: .seconds(3600))
        headerTimeout = try settings.seconds("headerTimeout", default: headerTimeout, atMost: .seconds(300))
        bodyTimeout = try settings.seconds("bodyTimeout", default: bodyTimeout, atMost: .seconds(3600))
        maxConnections = try settings.int("maxConnections", default: maxConnections, in: 1...1_000_000)
        logLevel = try settings.string("logLevel", default: logLevel)
        guard Self.logLevels.contains(logLevel) else {
            throw ConfigurationError(key: ["logLevel"], reason: "\"\(logLevel)\" is not a log level; give one of \(Self.logLevels.joined(separator: ", "))")
        }
    }
}

extension SettingsReader {
    /// A duration given in seconds, from 1 ms to `limit`, checked before it is converted so that
    /// no value of the file can overflow the conversion.
    fileprivate func seconds(_ key: String, default value: Duration, atMost limit: Duration) throws(ConfigurationError) -> Duration {
        guard isSet(key) else { return value }
        let seconds = try double(key, default: value.inSeconds)
        guard seconds.isFinite, seconds >= 0.001, seconds <= limit.inSeconds else {
            throw ConfigurationError(key: [key], reason: "\(seconds) is not a duration from 0.001 to \(limit.inSeconds) seconds")
        }
        return .milliseconds(Int64((seconds * 1000).rounded()))
    }
}
