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
                // Plain requests, so every call gets a draw of its own (a batch gets one for all).
                let configuration = try ChainRPCConfiguration(
                    endpoints: [RPCEndpoint(proxy.url)], callTimeout: Self.scaledCallTimeout,
                    maxConnectionsPerEndpoint: 80, batchSize: 1)
                try await withChainRPCClient(configuration) { client in
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

    /// A thousand slow calls at once: with the default batches they share a few connections.
    @Test func thousandCallsInFlight() async throws {
        let options = FlakyProxy.Options(seed: 3, timeScale: 100, pSilent: 0, pError: 0)
        try await withDevChain { chain in
            try await withFlakyProxy(upstream: chain.url, options: options) { proxy in
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
