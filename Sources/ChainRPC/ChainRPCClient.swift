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
/// takes `callTimeout` once per endpoint (plus its wait for a connection).
///
/// Calls are not connections: under `call`, the calls to one endpoint queue in an
/// ``EndpointBatcher`` and go out as JSON-RPC batches of up to `batchSize`, over at most
/// `maxConnectionsPerEndpoint` connections, so tens of thousands of slow calls need only
/// hundreds of sockets. Every call still gets its own answer, failure and classification.
public struct ChainRPCClient: Sendable {
    public let configuration: ChainRPCConfiguration
    private let httpClient: HTTPClient
    let health: EndpointHealthMonitor
    private let logger: Logger
    let observer: (any RPCCallObserver)?
    /// One per endpoint, in the order of `configuration.endpoints`; shared by copies.
    private let batchers: [EndpointBatcher]

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
        self.batchers = configuration.endpoints.map { endpoint in
            EndpointBatcher(policy: configuration.batchPolicy) { body, calls, onWire in
                await Self.post(
                    body, calls: calls, onWire: onWire, to: endpoint, httpClient: httpClient, configuration: configuration,
                    logger: logger)
            }
        }
    }

    /// Calls `method` with `params` and decodes the result as `Result` (use an Optional for
    /// methods that answer `null`).
    public func call<Result: Decodable & Sendable>(
        _ method: String,
        _ params: [JSONValue] = [],
        as type: Result.Type = Result.self
    ) async throws(ChainRPCError) -> Result {
        let body = Self.encodeCall(method: method, params: params)
        let order = await health.attemptOrder()
        for (tried, index) in order.enumerated() {
            let endpoint = configuration.endpoints[index]
            let started = ContinuousClock.now
            let answer = await attempt(body, to: index, as: type)
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

    /// One call to one endpoint (by its index in `configuration.endpoints`), through that
    /// endpoint's batcher; `onWire` is called once the endpoint's node is being handed the call
    /// (see ``EndpointBatcher/submit(_:onWire:)``).
    func attempt<Result: Decodable & Sendable>(
        _ call: [UInt8],
        to index: Int,
        as type: Result.Type,
        onWire: (@Sendable () -> Void)? = nil
    ) async -> Swift.Result<Result, RPCFailure> {
        guard batchers.indices.contains(index) else {
            return .failure(.transport(.other("no endpoint number \(index) is configured")))
        }
        switch await batchers[index].submit(call, onWire: onWire) {
        case .failure(let failure):
            return .failure(failure)
        case .answer(let status, let body):
            return JSONRPCResponseParser.parse(status: status, body: body, as: type)
        }
    }

    /// One HTTP POST of `calls` calls, bounded by `callTimeout` from now (the batch has its
    /// connection) to the last body byte, and by `maxResponseBytes` for each call in it;
    /// `onWire`, when given, is called as the body starts out on a live connection.
    private static func post(
        _ body: [UInt8],
        calls: Int,
        onWire: (@Sendable () -> Void)?,
        to endpoint: RPCEndpoint,
        httpClient: HTTPClient,
        configuration: ChainRPCConfiguration,
        logger: Logger
    ) async -> Swift.Result<(status: Int, body: [UInt8]), RPCFailure> {
        let request = makeRequest(ByteBuffer(bytes: body), onWire: onWire, to: endpoint, headers: configuration.headers)
        let timeout = configuration.callTimeout
        let deadline = NIODeadline.now() + TimeAmount(timeout)
        let (product, overflow) = configuration.maxResponseBytes.multipliedReportingOverflow(by: max(1, calls))
        let maxBytes = overflow ? Int.max : product
        do {
            let (status, answer) = try await withTimeout(timeout) {
                let response = try await httpClient.execute(request, deadline: deadline, logger: logger)
                let answer = try await response.body.collect(upTo: maxBytes)
                return (Int(response.status.code), answer)
            }
            return .success((status, Array(answer.readableBytesView)))
        } catch is NIOTooManyBytesError {
            return .failure(.malformedResponse(
                reason: "answer larger than \(maxBytes) bytes for \(calls) calls (rpc: maxResponseBytes, \(configuration.maxResponseBytes) a call)"))
        } catch {
            return .failure(.transport(TransportFault(error)))
        }
    }

    private static func makeRequest(
        _ body: ByteBuffer, onWire: (@Sendable () -> Void)?, to endpoint: RPCEndpoint, headers: [String: String]
    ) -> HTTPClientRequest {
        var request = HTTPClientRequest(url: endpoint.url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        for (name, value) in headers {
            request.headers.replaceOrAdd(name: name, value: value)
        }
        if let onWire {
            request.body = .stream(OnTheWireBody(bytes: body, onWire: onWire), length: .known(Int64(body.readableBytes)))
        } else {
            request.body = .bytes(body)
        }
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

    /// The call as a JSON object without its `id` (the batcher numbers it).
    static func encodeCall(method: String, params: [JSONValue]) -> [UInt8] {
        // Encoding strings, numbers and containers of them cannot fail.
        let data = (try? JSONEncoder().encode(JSONRPCCall(method: method, params: params))) ?? Data("{}".utf8)
        return Array(data)
    }
}

extension Result {
    var failure: Failure? {
        if case .failure(let failure) = self { failure } else { nil }
    }
}
