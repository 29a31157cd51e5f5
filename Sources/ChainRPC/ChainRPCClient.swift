import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOFoundationCompat
import NIOHTTP1

/// A JSON-RPC 2.0 client for EVM nodes, with per-call timeouts and failover across endpoints.
///
/// It wraps an `HTTPClient` that the caller creates with
/// ``ChainRPCConfiguration/httpClientConfiguration()`` and shuts down itself; the client holds
/// no other resources, so copies are cheap and share endpoint health.
///
/// A call goes to the healthiest endpoint first. When the answer's ``RecoveryAction`` is
/// `retryLater` (timeout, connection failure, 5xx, 429, rate limit …) the same call goes to the
/// next endpoint; any other failure is definitive and thrown at once. Failover is safe for
/// `eth_sendRawTransaction`: the same signed bytes have the same hash on every node, so a
/// transaction reaches the chain at most once however many nodes receive it. Worst case a call
/// takes `callTimeout` once per endpoint.
public struct ChainRPCClient: Sendable {
    public let configuration: ChainRPCConfiguration
    private let httpClient: HTTPClient
    let health: EndpointHealthMonitor
    private let logger: Logger
    let observer: (any RPCCallObserver)?

    /// - Parameter observer: told about every call to every endpoint (metrics).
    public init(
        httpClient: HTTPClient,
        configuration: ChainRPCConfiguration,
        logger: Logger = Logger(label: "ChainRPC"),
        observer: (any RPCCallObserver)? = nil
    ) {
        self.httpClient = httpClient
        self.configuration = configuration
        self.logger = logger
        self.observer = observer
        self.health = EndpointHealthMonitor(
            endpointCount: configuration.endpoints.count, policy: configuration.health)
    }

    /// Calls `method` with `params` and decodes the result as `Result` (use an Optional for
    /// methods that answer `null`).
    public func call<Result: Decodable & Sendable>(
        _ method: String,
        _ params: [JSONValue] = [],
        as type: Result.Type = Result.self
    ) async throws(ChainRPCError) -> Result {
        let body = Self.encodeRequest(method: method, params: params)
        let order = await health.attemptOrder()
        for (tried, index) in order.enumerated() {
            let endpoint = configuration.endpoints[index]
            let started = ContinuousClock.now
            let answer = await attempt(body, to: endpoint, as: type)
            if let observer {
                observer.observe(
                    RPCCallObservation(
                        method: method, endpoint: endpoint, duration: ContinuousClock.now - started,
                        failure: answer.failure))
            }
            switch answer {
            case .success(let result):
                await health.recordSuccess(of: index)
                return result
            case .failure(let failure):
                let error = ChainRPCError(
                    endpoint: endpoint, method: method, failure: failure, endpointsTried: tried + 1)
                guard error.action == .retryLater else {
                    // A definitive JSON-RPC answer: the endpoint itself works.
                    await health.recordSuccess(of: index)
                    throw error
                }
                if failure != .transport(.cancelled) {
                    await health.recordFailure(of: index)
                }
                guard tried + 1 < order.count, !Task.isCancelled else { throw error }
                logger.warning(
                    "JSON-RPC call failed; trying the next endpoint",
                    metadata: ["method": "\(method)", "endpoint": "\(endpoint)", "failure": "\(error.failure)"])
            }
        }
        // Unreachable: the last endpoint in `order` either answers or throws above, and the
        // configuration guarantees at least one endpoint.
        throw ChainRPCError(
            endpoint: configuration.endpoints[0], method: method,
            failure: .transport(.other("no endpoint configured")))
    }

    /// One call to one endpoint, bounded by `callTimeout` from request to last body byte.
    func attempt<Result: Decodable & Sendable>(
        _ body: ByteBuffer,
        to endpoint: RPCEndpoint,
        as type: Result.Type
    ) async -> Swift.Result<Result, RPCFailure> {
        let request = makeRequest(body, to: endpoint)
        let timeout = configuration.callTimeout
        let deadline = NIODeadline.now() + TimeAmount(timeout)
        let maxBytes = configuration.maxResponseBytes
        let client = httpClient
        let logger = logger
        do {
            let (status, answer) = try await Self.withTimeout(timeout) {
                let response = try await client.execute(request, deadline: deadline, logger: logger)
                let answer = try await response.body.collect(upTo: maxBytes)
                return (Int(response.status.code), answer)
            }
            return JSONRPCResponseParser.parse(status: status, body: answer.readableBytesView, as: type)
        } catch is NIOTooManyBytesError {
            return .failure(.malformedResponse(reason: "answer larger than \(maxBytes) bytes"))
        } catch {
            return .failure(.transport(TransportFault(error)))
        }
    }

    private func makeRequest(_ body: ByteBuffer, to endpoint: RPCEndpoint) -> HTTPClientRequest {
        var request = HTTPClientRequest(url: endpoint.url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        for (name, value) in configuration.headers {
            request.headers.replaceOrAdd(name: name, value: value)
        }
        request.body = .bytes(body)
        return request
    }

    /// Runs `operation`, cancelling it and throwing `CallTimedOut` once `timeout` has passed.
    private static func withTimeout<T: Sendable>(
        _ timeout: Duration,
        _ operation: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        try await withThrowingTaskGroup(of: T.self) { group in
            group.addTask { try await operation() }
            group.addTask {
                try await Task.sleep(for: timeout)
                throw CallTimedOut()
            }
            defer { group.cancelAll() }
            guard let first = try await group.next() else { throw CancellationError() }
            return first
        }
    }

    static func encodeRequest(method: String, params: [JSONValue]) -> ByteBuffer {
        // Encoding strings, numbers and containers of them cannot fail.
        let data = (try? JSONEncoder().encode(JSONRPCRequest(method: method, params: params))) ?? Data()
        return ByteBuffer(data: data)
    }
}

extension Result {
    var failure: Failure? {
        if case .failure(let failure) = self { failure } else { nil }
    }
}
