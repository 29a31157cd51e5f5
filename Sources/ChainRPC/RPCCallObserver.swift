/// Told about every JSON-RPC call to one endpoint as it ends (one per endpoint tried), for
/// metrics and for knowing when the node last answered. Called on the calling task: keep it
/// quick and never block.
///
/// ```swift
/// let client = ChainRPCClient(httpClient: httpClient, configuration: configuration, observer: metrics)
/// ```
public protocol RPCCallObserver: Sendable {
    func observe(_ call: RPCCallObservation)
}

/// One call to one endpoint: what, where, how long, and how it ended.
public struct RPCCallObservation: Sendable, Hashable {
    public let method: String
    public let endpoint: RPCEndpoint
    /// From sending the request to the answer's last byte, or to the failure.
    public let duration: Duration
    /// Nil when the node answered with a result.
    public let failure: RPCFailure?

    public init(method: String, endpoint: RPCEndpoint, duration: Duration, failure: RPCFailure?) {
        self.method = method
        self.endpoint = endpoint
        self.duration = duration
        self.failure = failure
    }

    /// The node itself answered: a result or a JSON-RPC error, not a transport fault, an HTTP
    /// error status (often a proxy's) or a body that is not JSON-RPC.
    public var nodeAnswered: Bool {
        switch failure {
        case nil, .rpcError?: true
        case .transport?, .httpStatus?, .malformedResponse?: false
        }
    }

    /// A short label for the outcome: `result`, `rpc_error`, `http_error`, `malformed`, `transport`.
    public var outcome: String {
        switch failure {
        case nil: "result"
        case .rpcError?: "rpc_error"
        case .httpStatus?: "http_error"
        case .malformedResponse?: "malformed"
        case .transport?: "transport"
        }
    }
}
