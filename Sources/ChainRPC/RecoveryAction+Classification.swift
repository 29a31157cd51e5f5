extension RecoveryAction {
    /// Decides what the caller must do about a failure; pure, so one table test covers it.
    ///
    /// JSON-RPC errors are matched on their message and data, case-insensitively, by
    /// substring, in the order of `NodeErrorPatterns` (most specific first); a message no
    /// pattern knows falls back to its error code, and an unknown code to `retryLater`.
    public init(classifying failure: RPCFailure) {
        switch failure {
        case .transport:
            // A timeout or a broken connection says nothing about the transaction: it may
            // have landed. Re-sending the same signed bytes is the safe reaction.
            self = .retryLater
        case .httpStatus(let code, _):
            self = Self.actionForHTTPStatus(code)
        case .rpcError(let code, let message, let data):
            let text = (data.map { message + " " + $0 } ?? message).lowercased()
            if let pattern = NodeErrorPatterns.ordered.first(where: { text.contains($0.fragment) }) {
                self = pattern.action
            } else {
                self = Self.actionForCode(code)
            }
        case .malformedResponse:
            // A proxy's error page or a truncated body: the node's answer is unknown.
            self = .retryLater
        }
    }

    /// 408, 429 and 5xx are the node or a proxy being busy or down; other 4xx mean the
    /// endpoint is misconfigured (wrong path, missing credentials), which the operator fixes
    /// while the transaction waits, except 413: this request is too large for that endpoint.
    private static func actionForHTTPStatus(_ code: Int) -> RecoveryAction {
        switch code {
        case 413: .giveUp
        default: .retryLater
        }
    }

    /// JSON-RPC 2.0's own codes for a request the server cannot understand: the same
    /// request will fail again. Everything else (-32603 internal error, -32000 server
    /// errors, -32005 limit exceeded, provider codes) is presumed passing.
    private static func actionForCode(_ code: Int) -> RecoveryAction {
        switch code {
        case -32700, -32600, -32601, -32602: .giveUp
        default: .retryLater
        }
    }
}
