import AsyncHTTPClient
import NIOCore

/// Settings of a ``ChainRPCClient``: where to send calls and how long to wait.
///
/// ```swift
/// let configuration = try ChainRPCConfiguration(endpoints: [RPCEndpoint("http://127.0.0.1:8545")])
/// let httpClient = HTTPClient(eventLoopGroup: .singletonMultiThreadedEventLoopGroup,
///                             configuration: configuration.httpClientConfiguration())
/// let client = ChainRPCClient(httpClient: httpClient, configuration: configuration)
/// ```
public struct ChainRPCConfiguration: Sendable {
    /// Nodes in priority order; a call goes to the first healthy one and fails over down the list.
    public var endpoints: [RPCEndpoint]
    /// How long one attempt (one endpoint) may take, answer body included. The node we
    /// broadcast to answers after 20-30 s, so the default leaves room above that.
    public var callTimeout: Duration
    /// How long establishing a connection may take before the attempt fails over.
    public var connectTimeout: Duration
    /// Connections the HTTP client may open to one endpoint. HTTP/1.1 carries one call per
    /// connection at a time, so this bounds the calls in flight per endpoint; calls beyond it
    /// queue inside the HTTP client (and that wait counts against `callTimeout`). Each
    /// connection is a file descriptor: keep `ulimit -n` above the sum over endpoints.
    public var maxConnectionsPerEndpoint: Int
    /// Extra HTTP headers on every call (for example an authorization header).
    public var headers: [String: String]
    /// When an endpoint is skipped after consecutive failures.
    public var health: EndpointHealth.Policy
    /// The largest answer body accepted; larger ones are reported as malformed.
    public var maxResponseBytes: Int

    public init(
        endpoints: [RPCEndpoint],
        callTimeout: Duration = .seconds(45),
        connectTimeout: Duration = .seconds(5),
        maxConnectionsPerEndpoint: Int = 4096,
        headers: [String: String] = [:],
        health: EndpointHealth.Policy = .init(),
        maxResponseBytes: Int = 8 * 1024 * 1024
    ) throws(ChainRPCConfigurationError) {
        guard !endpoints.isEmpty else {
            throw ChainRPCConfigurationError("no RPC endpoint configured: give at least one node URL")
        }
        guard callTimeout > .zero, connectTimeout > .zero else {
            throw ChainRPCConfigurationError("callTimeout and connectTimeout must be positive")
        }
        guard maxConnectionsPerEndpoint > 0 else {
            throw ChainRPCConfigurationError("maxConnectionsPerEndpoint must be at least 1")
        }
        self.endpoints = endpoints
        self.callTimeout = callTimeout
        self.connectTimeout = connectTimeout
        self.maxConnectionsPerEndpoint = maxConnectionsPerEndpoint
        self.headers = headers
        self.health = health
        self.maxResponseBytes = maxResponseBytes
    }

    /// The `HTTPClient` settings this configuration needs; the caller creates (and shuts down)
    /// one `HTTPClient` with them and shares it across all calls.
    ///
    /// The connection pool's per-host soft limit is raised from AsyncHTTPClient's default of 8
    /// to `maxConnectionsPerEndpoint`, so thousands of slow calls can be in flight at once
    /// instead of queueing behind eight connections. Over HTTPS the client negotiates HTTP/2
    /// where the node offers it, which multiplexes many calls on one connection.
    public func httpClientConfiguration() -> HTTPClient.Configuration {
        var configuration = HTTPClient.Configuration()
        configuration.timeout = .init(connect: TimeAmount(connectTimeout), read: TimeAmount(callTimeout))
        configuration.connectionPool = .init(
            idleTimeout: .seconds(60),
            concurrentHTTP1ConnectionsPerHostSoftLimit: maxConnectionsPerEndpoint
        )
        // A JSON-RPC POST must not be replayed to wherever a redirect points.
        configuration.redirectConfiguration = .disallow
        return configuration
    }
}
