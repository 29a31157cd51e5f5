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
    /// Connections the client opens to one endpoint (`rpc.connections`). HTTP/1.1 carries one
    /// request at a time per connection, and a request is one batch of up to `batchSize` calls,
    /// so at most `maxConnectionsPerEndpoint × batchSize` calls are on the wire per endpoint;
    /// more wait in the endpoint's queue (not counted against `callTimeout`) for at most
    /// `connectionWait`. Each connection is a file descriptor.
    public var maxConnectionsPerEndpoint: Int
    /// Calls per JSON-RPC batch request, 1...1000 (geth answers at most 1,000 a batch). 1 sends
    /// every call as a plain request, for nodes that take no batches.
    public var batchSize: Int
    /// How long the first call of a batch waits for others to join before the batch goes out
    /// anyway (zero: at once, so batches form only while every connection is busy).
    public var batchWindow: Duration
    /// How long a call may wait in its endpoint's queue for a free connection before it fails
    /// as `.transport(.noConnectionFree)`, unsent.
    public var connectionWait: Duration
    /// Extra HTTP headers on every call (for example an authorization header).
    public var headers: [String: String]
    /// When an endpoint is skipped after consecutive failures.
    public var health: EndpointHealth.Policy
    /// The largest answer accepted per call (a batch of N calls may answer N times this);
    /// larger ones are reported as malformed.
    public var maxResponseBytes: Int

    public init(
        endpoints: [RPCEndpoint],
        callTimeout: Duration = .seconds(45),
        connectTimeout: Duration = .seconds(5),
        maxConnectionsPerEndpoint: Int = 64,
        batchSize: Int = 100,
        batchWindow: Duration = .milliseconds(5),
        connectionWait: Duration = .seconds(60),
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
        guard Self.batchSizes.contains(batchSize) else {
            throw ChainRPCConfigurationError(
                "batchSize \(batchSize) is out of range: give 1 to 1000 (geth answers at most 1,000 calls a batch; 1 turns batches off)")
        }
        guard batchWindow >= .zero, connectionWait > .zero else {
            throw ChainRPCConfigurationError("batchWindow must not be negative and connectionWait must be positive")
        }
        self.endpoints = endpoints
        self.callTimeout = callTimeout
        self.connectTimeout = connectTimeout
        self.maxConnectionsPerEndpoint = maxConnectionsPerEndpoint
        self.batchSize = batchSize
        self.batchWindow = batchWindow
        self.connectionWait = connectionWait
        self.headers = headers
        self.health = health
        self.maxResponseBytes = maxResponseBytes
    }

    /// The batch sizes a node may be sent.
    public static let batchSizes = 1...1000

    var batchPolicy: BatchAssembler.Policy {
        BatchAssembler.Policy(
            batchSize: batchSize, window: batchWindow, connections: maxConnectionsPerEndpoint,
            connectionWait: connectionWait)
    }

    /// The `HTTPClient` settings this configuration needs; the caller creates (and shuts down)
    /// one `HTTPClient` with them and shares it across all calls.
    ///
    /// The connection pool's per-host soft limit is `maxConnectionsPerEndpoint` (AsyncHTTPClient's
    /// default is 8): the endpoint's batcher never has more requests in flight than that, so a
    /// request handed to the client finds a connection and its timeout measures the node.
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
