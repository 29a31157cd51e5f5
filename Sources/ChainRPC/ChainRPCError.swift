/// A JSON-RPC call that failed, with what the caller must do about it.
///
/// Its description names the endpoint (scheme, host and port only), the method, what went
/// wrong and what to do. It never holds the call's parameters, so a signed transaction
/// never ends up in a log through it; node messages and bodies are quoted truncated.
public struct ChainRPCError: Error, CustomStringConvertible, Sendable {
    /// The last endpoint tried.
    public let endpoint: RPCEndpoint
    /// The JSON-RPC method, e.g. "eth_sendRawTransaction".
    public let method: String
    /// What went wrong at `endpoint`.
    public let failure: RPCFailure
    /// What the caller must do, decided from `failure`.
    public let action: RecoveryAction
    /// How many endpoints were tried for this call (failover).
    public let endpointsTried: Int

    public init(endpoint: RPCEndpoint, method: String, failure: RPCFailure, endpointsTried: Int = 1) {
        self.endpoint = endpoint
        self.method = method
        self.failure = Self.truncated(failure)
        self.action = RecoveryAction(classifying: failure)
        self.endpointsTried = endpointsTried
    }

    public var description: String {
        let tried = endpointsTried > 1 ? " (last of \(endpointsTried) endpoints tried)" : ""
        return "\(method) at \(endpoint)\(tried) failed with \(failure) → \(action): \(action.advice)"
    }

    /// Node messages can echo what they were sent; keep them short.
    private static func truncated(_ failure: RPCFailure) -> RPCFailure {
        let limit = 300
        func cut(_ text: String) -> String { text.count > limit ? text.prefix(limit) + "…" : text }
        switch failure {
        case .rpcError(let code, let message, let data):
            return .rpcError(code: code, message: cut(message), data: data.map(cut))
        case .httpStatus(let code, let body):
            return .httpStatus(code: code, bodyExcerpt: cut(body))
        case .malformedResponse(let reason):
            return .malformedResponse(reason: cut(reason))
        case .transport:
            return failure
        }
    }
}
