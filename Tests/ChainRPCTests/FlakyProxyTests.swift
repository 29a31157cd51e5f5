import ChainRPC
import DevChainSupport
import EVMPrimitives
import Testing

/// The client through the flaky proxy: the production node's behaviour, time-scaled.
@Suite("Client through the flaky proxy", .serialized)
struct FlakyProxyTests {
    /// Scaled by 10, answers take 2-3 s and a silent call is held 4.5 s before the proxy closes
    /// it; a 4 s timeout sits between the two with a second of room for a loaded machine (the
    /// whole suite runs in parallel on 2 cores; at scale 20 and 2 s, a load of 10 timed out 70
    /// of 80 calls).
    static let scaledCallTimeout = Duration.seconds(4)

    @Test func everyFailureIsRetryLater() async throws {
        let options = FlakyProxy.Options(seed: 7, timeScale: 10, pSilent: 0.1, pError: 0.2)
        try await withDevChain { chain in
            try await withFlakyProxy(upstream: chain.url, options: options) { proxy in
                try await withChainRPCClient(endpoints: [proxy.url], callTimeout: Self.scaledCallTimeout) { client in
                    let outcomes = await withTaskGroup(of: Result<ChainID, ChainRPCError>.self) { group in
                        for _ in 0..<80 {
                            group.addTask {
                                do throws(ChainRPCError) { return .success(try await client.chainID()) } catch {
                                    return .failure(error)
                                }
                            }
                        }
                        return await group.reduce(into: []) { $0.append($1) }
                    }
                    var failures: [RPCFailure] = []
                    for outcome in outcomes {
                        switch outcome {
                        case .success(let chainID): #expect(chainID == ChainID(DevChain.defaultChainID))
                        case .failure(let error):
                            #expect(error.action == .retryLater, "\(error)")
                            failures.append(error.failure)
                        }
                    }
                    // About 56 of 80 succeed with these odds; a loaded machine may turn a few
                    // slow answers into timeouts, which must still classify as retryLater.
                    #expect(outcomes.count - failures.count > 30)
                    #expect(failures.contains(.transport(.timedOut)))
                    #expect(failures.contains { if case .httpStatus = $0 { true } else { false } })
                    #expect(failures.contains { if case .rpcError = $0 { true } else { false } })
                }
            }
        }
    }

    /// With AsyncHTTPClient's default of 8 connections per host, 1000 calls of 0.2-0.3 s would
    /// need over 30 s and most would time out; the raised pool limit lets them all run at once.
    @Test func thousandCallsInFlight() async throws {
        let options = FlakyProxy.Options(seed: 3, timeScale: 100, pSilent: 0, pError: 0)
        try await withDevChain { chain in
            try await withFlakyProxy(upstream: chain.url, options: options) { proxy in
                // 15 s: the pool of 8 would need over 30 s; a loaded machine needs more than 8,
                // and more than the 2 s connect timeout for a thousand connects at once.
                try await withChainRPCClient(endpoints: [proxy.url], callTimeout: .seconds(15), connectTimeout: .seconds(10)) { client in
                    let answered = try await withThrowingTaskGroup(of: ChainID.self) { group in
                        for _ in 0..<1000 {
                            group.addTask { try await client.chainID() }
                        }
                        return try await group.reduce(0) { count, _ in count + 1 }
                    }
                    #expect(answered == 1000)
                }
            }
        }
    }
}

/// Why the pool limit matters: the same slow node behind AsyncHTTPClient's default pool.
@Suite("Connection pool size")
struct ConnectionPoolTests {
    @Test func eightConnectionsQueueSlowCallsPastTheirTimeout() async throws {
        let options = FlakyProxy.Options(seed: 5, timeScale: 100, pSilent: 0, pError: 0)
        try await withDevChain { chain in
            try await withFlakyProxy(upstream: chain.url, options: options) { proxy in
                let configuration = try ChainRPCConfiguration(
                    endpoints: [RPCEndpoint(proxy.url)], callTimeout: .seconds(1), maxConnectionsPerEndpoint: 8)
                // 100 calls of at least 0.2 s over 8 connections need at least 2.5 s.
                let timedOut = try await withChainRPCClient(configuration) { client in
                    await withTaskGroup(of: Bool.self) { group in
                        for _ in 0..<100 {
                            group.addTask {
                                do throws(ChainRPCError) {
                                    _ = try await client.chainID()
                                    return false
                                } catch {
                                    return error.failure == .transport(.timedOut)
                                }
                            }
                        }
                        return await group.reduce(0) { $0 + ($1 ? 1 : 0) }
                    }
                }
                #expect(timedOut > 0)
            }
        }
    }
}
