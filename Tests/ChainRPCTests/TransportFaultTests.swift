import ChainRPC
import DevChainSupport
import EVMPrimitives
import Testing

/// What a real node cannot produce: closed ports, HTTP errors, garbage and stalled answers.
@Suite("Transport faults and failover", .serialized)
struct TransportFaultTests {
    private func expectFailure(
        at url: String, callTimeout: Duration = .seconds(5)
    ) async throws -> ChainRPCError? {
        try await withChainRPCClient(endpoints: [url], callTimeout: callTimeout, connectTimeout: .seconds(1)) { client in
            await #expect(throws: ChainRPCError.self) { _ = try await client.chainID() }
        }
    }

    @Test func closedPortIsConnectionRefused() async throws {
        let server = try await CannedHTTPServer.start(status: 200, body: "{}")
        await server.stop()
        let error = try await expectFailure(at: server.url)
        #expect(error?.failure == .transport(.connectionRefused))
        #expect(error?.action == .retryLater)
    }

    @Test func http500() async throws {
        try await withCannedHTTPServer(status: 500, body: "Internal Server Error") { server in
            let error = try await expectFailure(at: server.url)
            #expect(error?.failure == .httpStatus(code: 500, bodyExcerpt: "Internal Server Error"))
            #expect(error?.action == .retryLater)
        }
    }

    @Test func http429WithRPCErrorBody() async throws {
        let body = #"{"jsonrpc":"2.0","id":1,"error":{"code":-32005,"message":"request rate limited"}}"#
        try await withCannedHTTPServer(status: 429, body: body) { server in
            let error = try await expectFailure(at: server.url)
            #expect(error?.failure == .rpcError(code: -32005, message: "request rate limited", data: nil))
            #expect(error?.action == .retryLater)
        }
    }

    @Test func garbageBody() async throws {
        try await withCannedHTTPServer(status: 200, body: "<html>captive portal</html>") { server in
            let error = try await expectFailure(at: server.url)
            guard case .malformedResponse(let reason)? = error?.failure else {
                Issue.record("expected a malformed answer, got \(String(describing: error))")
                return
            }
            #expect(reason.contains("captive portal"))
            #expect(error?.action == .retryLater)
        }
    }

    @Test func stalledAnswerTimesOut() async throws {
        try await withCannedHTTPServer(status: 200, body: #"{"jsonrpc":"2.0","id":1,"result":"0x1"}"#, delaySeconds: 5) {
            server in
            let error = try await expectFailure(at: server.url, callTimeout: .milliseconds(500))
            #expect(error?.failure == .transport(.timedOut))
            #expect(error?.action == .retryLater)
        }
    }

    @Test func failsOverToTheNextEndpoint() async throws {
        let closed = try await CannedHTTPServer.start(status: 200, body: "{}")
        await closed.stop()
        try await withDevChain { chain in
            try await withCannedHTTPServer(status: 503, body: "busy") { busy in
                let endpoints = [closed.url, busy.url, chain.url]
                let chainID = try await withChainRPCClient(endpoints: endpoints, connectTimeout: .seconds(1)) { client in
                    try await client.chainID()
                }
                #expect(chainID == ChainID(DevChain.defaultChainID))
            }
        }
    }

    @Test func definitiveErrorsDoNotFailOver() async throws {
        try await withDevChain { first in
            try await withDevChain { second in
                try await withChainRPCClient(endpoints: [first.url, second.url]) { client in
                    let error = await #expect(throws: ChainRPCError.self) {
                        _ = try await client.sendRawTransaction([0x02, 0xc0])
                    }
                    #expect(error?.endpointsTried == 1)
                    #expect(error?.endpoint.description == first.url)
                }
            }
        }
    }

    @Test func allEndpointsFailingReportsTheLast() async throws {
        try await withCannedHTTPServer(status: 502, body: "bad gateway") { first in
            try await withCannedHTTPServer(status: 503, body: "unavailable") { second in
                let error = try await expectFailure(at: first.url)
                #expect(error?.endpointsTried == 1)
                try await withChainRPCClient(endpoints: [first.url, second.url]) { client in
                    let error = await #expect(throws: ChainRPCError.self) { _ = try await client.chainID() }
                    #expect(error?.endpointsTried == 2)
                    #expect(error?.failure == .httpStatus(code: 503, bodyExcerpt: "unavailable"))
                }
            }
        }
    }
}
