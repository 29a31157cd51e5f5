import ChainRPC
import DevChainSupport
import EVMPrimitives
import EVMSigning
import Testing

/// Calls are not connections: the client's batches against the local node and the flaky proxy.
@Suite("Batches against the local node", .serialized)
struct BatchTransportTests {
    static let answering = FlakyProxy.Options(seed: 4, timeScale: 100, pSilent: 0, pError: 0)
    /// Every send forwarded to the node and never answered: the proxy holds it 4.5 s.
    static let silentSends = FlakyProxy.Options(
        seed: 2, timeScale: 10, pSilent: 1, pError: 0, silentForwardFraction: 1,
        faultMethods: ["eth_sendRawTransaction"])

    static func configuration(
        _ url: String, batchSize: Int = 100, window: Duration = .milliseconds(50), connections: Int = 4,
        callTimeout: Duration = .seconds(15), connectionWait: Duration = .seconds(60)
    ) throws -> ChainRPCConfiguration {
        try ChainRPCConfiguration(
            endpoints: [RPCEndpoint(url)], callTimeout: callTimeout, connectTimeout: .seconds(10),
            maxConnectionsPerEndpoint: connections, batchSize: batchSize, batchWindow: window,
            connectionWait: connectionWait)
    }

    static func outcome<T: Sendable>(_ call: @Sendable () async throws(ChainRPCError) -> T) async -> Result<T, ChainRPCError> {
        do throws(ChainRPCError) { return .success(try await call()) } catch { return .failure(error) }
    }

    @Test func twoHundredCallsGoOutInFewRequestsEachWithItsOwnAnswer() async throws {
        try await withDevChain { chain in
            _ = try await chain.mine(blocks: 199)
            try await withFlakyProxy(upstream: chain.url, options: Self.answering) { proxy in
                // A window long enough that 200 tasks starting on a loaded machine meet in it.
                try await withChainRPCClient(Self.configuration(proxy.url, window: .seconds(2))) { client in
                    let blocks = try await withThrowingTaskGroup(of: (UInt64, Block?).self) { group in
                        for number in UInt64(0)..<200 {
                            group.addTask { (number, try await client.block(.number(BlockNumber(number)))) }
                        }
                        return try await group.reduce(into: [(UInt64, Block?)]()) { $0.append($1) }
                    }
                    #expect(blocks.count == 200)
                    for (number, block) in blocks {
                        #expect(block?.number == BlockNumber(number))
                    }
                    let hashes = Set(blocks.compactMap { $0.1?.hash })
                    #expect(hashes.count == 200)
                }
                let stats = try await proxy.stats()
                #expect(stats["calls"] == 200)
                // Two full batches when the 200 calls arrive within one window; a loaded machine
                // may split them more (a batch goes as soon as it holds 100), never into
                // anything like one request per call.
                #expect((stats["requests"] ?? 0) <= 20, "\(stats)")
                #expect(stats["batches"] == stats["requests"])
            }
        }
    }

    /// A batch the proxy holds unanswered (though it reached the node): every element times out
    /// as an unknown answer, and re-sending the same bytes finds them known to the node.
    @Test func aBatchThatNeverAnswersLeavesEveryCallUnknownAndTheResendSucceeds() async throws {
        try await withDevChain { chain in
            let transactions = try Self.transfers(count: 5)
            try await withFlakyProxy(upstream: chain.url, options: Self.silentSends) { proxy in
                // The proxy holds a silent call 4.5 s; the client gives up after 2.
                try await withChainRPCClient(Self.configuration(proxy.url, callTimeout: .seconds(2))) { client in
                    let outcomes = await withTaskGroup(of: Result<TxHash, ChainRPCError>.self) { group in
                        for transaction in transactions {
                            group.addTask { await Self.outcome { () throws(ChainRPCError) in try await client.sendRawTransaction(transaction.raw) } }
                        }
                        return await group.reduce(into: []) { $0.append($1) }
                    }
                    #expect(outcomes.count == 5)
                    for outcome in outcomes {
                        guard case .failure(let error) = outcome else {
                            Issue.record("a silent batch answered: \(outcome)")
                            continue
                        }
                        #expect(error.failure == .transport(.timedOut))
                        #expect(error.action == .retryLater)
                    }
                }
                let stats = try await proxy.stats()
                #expect(stats["calls"] == 5)
                // Counted as silent only once the proxy lets go; none was answered.
                #expect(stats["batches"] == stats["requests"] && stats["ok"] == 0, "\(stats)")
            }
            try await withChainRPCClient(Self.configuration(chain.url)) { client in
                for transaction in transactions {
                    let resent = await Self.outcome { () throws(ChainRPCError) in try await client.sendRawTransaction(transaction.raw) }
                    switch resent {
                    case .success(let hash): #expect(hash == transaction.hash)
                    case .failure(let error): #expect(error.action == .alreadySent, "\(error)")
                    }
                }
            }
        }
    }

    @Test func aBatchOverTheNodesLimitFailsEveryCallAsUnknown() async throws {
        try await withDevChain(options: .init(maxBatch: 3)) { chain in
            try await withChainRPCClient(Self.configuration(chain.url, batchSize: 10, window: .seconds(2))) { client in
                let outcomes = await withTaskGroup(of: Result<ChainID, ChainRPCError>.self) { group in
                    for _ in 0..<10 {
                        group.addTask { await Self.outcome { () throws(ChainRPCError) in try await client.chainID() } }
                    }
                    return await group.reduce(into: []) { $0.append($1) }
                }
                #expect(outcomes.count == 10)
                for outcome in outcomes {
                    guard case .failure(let error) = outcome, case .malformedResponse(let reason) = error.failure else {
                        Issue.record("expected the batch's refusal, got \(outcome)")
                        continue
                    }
                    #expect(reason.contains("batch too large"))
                    #expect(error.action == .retryLater)
                }
            }
            try await withChainRPCClient(Self.configuration(chain.url, batchSize: 3)) { client in
                let answered = try await withThrowingTaskGroup(of: ChainID.self) { group in
                    for _ in 0..<10 { group.addTask { try await client.chainID() } }
                    return try await group.reduce(into: []) { $0.append($1) }
                }
                #expect(answered == Array(repeating: ChainID(DevChain.defaultChainID), count: 10))
            }
        }
    }

    @Test func batchSizeOneSendsPlainRequests() async throws {
        try await withDevChain { chain in
            try await withFlakyProxy(upstream: chain.url, options: Self.answering) { proxy in
                try await withChainRPCClient(Self.configuration(proxy.url, batchSize: 1)) { client in
                    let answered = try await withThrowingTaskGroup(of: ChainID.self) { group in
                        for _ in 0..<20 { group.addTask { try await client.chainID() } }
                        return try await group.reduce(0) { count, _ in count + 1 }
                    }
                    #expect(answered == 20)
                }
                let stats = try await proxy.stats()
                #expect(stats["requests"] == 20 && stats["calls"] == 20 && stats["batches"] == 0, "\(stats)")
            }
        }
    }

    /// A cancelled caller gets `cancelled` at once, whether its call is queued or on the wire,
    /// and the other calls of its batch still get their answers.
    @Test func aCancelledCallLeavesItsBatchAlone() async throws {
        // Scaled by 20, an answer takes 1-1.5 s: the cancellations below come well before it.
        let slow = FlakyProxy.Options(seed: 4, timeScale: 20, pSilent: 0, pError: 0)
        try await withDevChain { chain in
            try await withFlakyProxy(upstream: chain.url, options: slow) { proxy in
                try await withChainRPCClient(Self.configuration(proxy.url, window: .milliseconds(100), connections: 1)) { client in
                    let onTheWire = Task { await Self.outcome { () throws(ChainRPCError) in try await client.chainID() } }
                    let others = Task {
                        try await withThrowingTaskGroup(of: ChainID.self) { group in
                            for _ in 0..<5 { group.addTask { try await client.chainID() } }
                            return try await group.reduce(0) { count, _ in count + 1 }
                        }
                    }
                    // Past the window: the batch is on the wire, so the next call queues.
                    try await Task.sleep(for: .milliseconds(150))
                    let queued = Task { await Self.outcome { () throws(ChainRPCError) in try await client.chainID() } }
                    try await Task.sleep(for: .milliseconds(20))
                    onTheWire.cancel()
                    queued.cancel()
                    for task in [onTheWire, queued] {
                        guard case .failure(let error) = await task.value else {
                            Issue.record("a cancelled call answered")
                            continue
                        }
                        #expect(error.failure == .transport(.cancelled))
                    }
                    #expect(try await others.value == 5)
                }
            }
        }
    }

    /// The call's timeout starts on the wire: 200 calls of 0.2-0.3 s over 2 plain connections
    /// need over 20 s, far past their 3 s timeout, and none times out. Waiting for a connection
    /// has its own bound: with a short one, calls fail unsent.
    @Test func waitingForAConnectionIsNotTheCallTimeout() async throws {
        try await withDevChain { chain in
            try await withFlakyProxy(upstream: chain.url, options: Self.answering) { proxy in
                let patient = try Self.configuration(proxy.url, batchSize: 1, connections: 8, callTimeout: .seconds(3))
                try await withChainRPCClient(patient) { client in
                    let outcomes = await withTaskGroup(of: Result<ChainID, ChainRPCError>.self) { group in
                        for _ in 0..<200 {
                            group.addTask { await Self.outcome { () throws(ChainRPCError) in try await client.chainID() } }
                        }
                        return await group.reduce(into: []) { $0.append($1) }
                    }
                    let failures = outcomes.compactMap { if case .failure(let error) = $0 { error.failure } else { nil } }
                    #expect(failures.isEmpty, "\(failures.prefix(3))")
                }
                let impatient = try Self.configuration(
                    proxy.url, batchSize: 1, connections: 1, connectionWait: .milliseconds(500))
                try await withChainRPCClient(impatient) { client in
                    let outcomes = await withTaskGroup(of: Result<ChainID, ChainRPCError>.self) { group in
                        for _ in 0..<10 {
                            group.addTask { await Self.outcome { () throws(ChainRPCError) in try await client.chainID() } }
                        }
                        return await group.reduce(into: []) { $0.append($1) }
                    }
                    let unsent = outcomes.filter { if case .failure(let error) = $0 { error.failure == .transport(.noConnectionFree) } else { false } }
                    #expect(unsent.count >= 5, "\(outcomes)")
                    #expect(outcomes.contains { if case .success = $0 { true } else { false } })
                }
            }
        }
    }

    /// Signed transfers from dev key 0x…01, nonces 0 up, with fees far above the node's.
    static func transfers(count: Int) throws -> [SignedTransaction] {
        let signer = Signer(key: try PrivateKey(hex: "0x" + String(repeating: "0", count: 63) + "1"))
        let recipient = try Address("0x2B5AD5c4795c026514f8317c7a215E218DcCD6cF")
        return try (0..<count).map { nonce in
            try signer.sign(
                .eip1559(
                    EIP1559Transaction(
                        chainID: ChainID(DevChain.defaultChainID), nonce: Nonce(UInt64(nonce)),
                        maxPriorityFeePerGas: Wei(1_000_000_000), maxFeePerGas: Wei(100_000_000_000), gas: Gas(21_000),
                        to: recipient, value: Wei(1))))
        }
    }
}
