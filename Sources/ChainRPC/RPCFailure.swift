/// Why one JSON-RPC call to one endpoint failed, before deciding what to do about it.
///
/// This is the whole input of ``RecoveryAction/init(classifying:)``: the client reduces every
/// transport error, HTTP answer and JSON-RPC error to one of these cases at the edge, so the
/// decision itself stays a pure function that a table test can cover.
public enum RPCFailure: Error, Sendable, Hashable, CustomStringConvertible {
    /// No HTTP answer: the connection or the request failed, or the call ran out of time.
    case transport(TransportFault)
    /// An HTTP answer whose status is not 2xx and whose body is not a JSON-RPC error.
    case httpStatus(code: Int, bodyExcerpt: String)
    /// The node answered with a JSON-RPC error object.
    case rpcError(code: Int, message: String, data: String?)
    /// A 2xx answer that is not a JSON-RPC response of the expected shape.
    case malformedResponse(reason: String)

    public var description: String {
        switch self {
        case .transport(let fault):
            "transport failure: \(fault)"
        case .httpStatus(let code, let body):
            body.isEmpty ? "HTTP status \(code)" : "HTTP status \(code), body: \(body)"
        case .rpcError(let code, let message, let data):
            if let data, !data.isEmpty {
                "JSON-RPC error \(code): \(message) (data: \(data))"
            } else {
                "JSON-RPC error \(code): \(message)"
            }
        case .malformedResponse(let reason):
            "malformed response: \(reason)"
        }
    }
}

/// A failure below HTTP: the call never got a complete answer.
public enum TransportFault: Sendable, Hashable, CustomStringConvertible {
    /// The per-call timeout elapsed. The request may still have reached the node.
    case timedOut
    /// No connection could be made within the connect timeout.
    case connectTimedOut
    /// The endpoint refused the connection (nothing listening).
    case connectionRefused
    /// The connection was reset or closed before the answer was complete.
    case connectionClosed
    /// The calling task was cancelled.
    case cancelled
    /// No connection to the endpoint came free within the connection wait: the call was
    /// queued, never sent.
    case noConnectionFree
    /// Any other transport error, with its text.
    case other(String)

    public var description: String {
        switch self {
        case .timedOut: "no answer within the call timeout"
        case .connectTimedOut: "could not connect within the connect timeout"
        case .connectionRefused: "connection refused"
        case .connectionClosed: "connection closed before the answer was complete"
        case .cancelled: "the call was cancelled"
        case .noConnectionFree:
            "no connection to the endpoint came free within rpc.connectionWait; the call was never sent (raise rpc.connections or rpc.batchSize)"
        case .other(let text): text
        }
    }
}
