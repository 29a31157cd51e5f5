import AsyncHTTPClient
import ChainRPC

/// Runs `body` with a ``ChainRPCClient`` on its own `HTTPClient`, shut down afterwards;
/// `observer` is told of every call.
public func withChainRPCClient<T: Sendable>(
    _ configuration: ChainRPCConfiguration,
    observer: (any RPCCallObserver)? = nil,
    _ body: (ChainRPCClient) async throws -> T
) async throws -> T {
    let httpClient = HTTPClient(configuration: configuration.httpClientConfiguration())
    let client = ChainRPCClient(httpClient: httpClient, configuration: configuration, observer: observer)
    do {
        let result = try await body(client)
        try await httpClient.shutdown()
        return result
    } catch {
        try? await httpClient.shutdown()
        throw error
    }
}

/// Runs `body` with a client for the given endpoint URLs (in priority order).
public func withChainRPCClient<T: Sendable>(
    endpoints: [String],
    callTimeout: Duration = .seconds(10),
    connectTimeout: Duration = .seconds(10),
    _ body: (ChainRPCClient) async throws -> T
) async throws -> T {
    let configuration = try ChainRPCConfiguration(
        endpoints: endpoints.map { url throws(ChainRPCConfigurationError) in try RPCEndpoint(url) },
        callTimeout: callTimeout,
        connectTimeout: connectTimeout)
    return try await withChainRPCClient(configuration, body)
}
