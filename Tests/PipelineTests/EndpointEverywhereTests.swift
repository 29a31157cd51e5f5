import AsyncHTTPClient
import BroadcastModel
import ChainRPC
import DevChainSupport
import EVMPrimitives
import EVMSigning
import Foundation
import Lifecycle
import NIOCore
@testable import Pipeline
import Synchronization
import Testing

/// Sending one signed transaction to several endpoints, against the local chain and flaky
/// proxies in front of it: what each endpoint receives (the proxies' own counters), what the
/// chain holds, and the one result the lane records.
@Suite("Several endpoints: a send goes to every healthy one, reads to the healthiest", .serialized)
struct EndpointEverywhereTests {
    private static let key = try! PrivateKey(hex: "0x" + String(repeating: "0", count: 63) + "1")
    private static let function = "add_weight(address,uint256)"
    private static let contract = try! Address("0x5FbDB2315678afecb367f032d93F642f64180aa3")
    private static let fees = FeeCaps(maxFeePerGas: .gwei(100), maxPriorityFeePerGas: .gwei(1))
    /// A proxy that answers at once and never fails.
    private static let prompt = FlakyProxy.Options(timeScale: 1, pSilent: 0, pError: 0, latencyMin: 0, latencyMax: 0)

    private let signer = VersionSigner(
        chainID: ChainID(DevChain.defaultChainID), signers: [Signer(key: Self.key)], gasLimits: [Self.function: Gas(100_000)])

    /// The original of a fresh request at `nonce`, with unique calldata.
    private func version(nonce: UInt64) throws -> TransactionVersion {
        var data = Array(Keccak256.hash(Array(Self.function.utf8)).prefix(4))
        data += [UInt8](repeating: 0, count: 56) + withUnsafeBytes(of: (nonce + 1).bigEndian, Array.init)
        let request = BroadcastRequest(
            id: RequestID(), messageType: Self.function, function: Self.function, data: Calldata(data), to: Self.contract,
            from: Self.key.address, acceptedAt: Date())
        return try signer.sign(request, nonce: Nonce(nonce), number: 1, kind: .original, fees: Self.fees, at: Date())
    }

    private func client(
        _ urls: [String], health: EndpointHealth.Policy = .init(), callTimeout: Duration = .seconds(5),
        observer: EndpointCallCounter? = nil, _ body: (ChainRPCClient) async throws -> Void
    ) async throws {
        let configuration = try ChainRPCConfiguration(
            endpoints: urls.map { url throws(ChainRPCConfigurationError) in try RPCEndpoint(url) }, callTimeout: callTimeout,
            connectTimeout: .seconds(2), health: health)
        let httpClient = HTTPClient(configuration: configuration.httpClientConfiguration())
        do {
            try await body(ChainRPCClient(httpClient: httpClient, configuration: configuration, observer: observer))
            try await httpClient.shutdown()
        } catch {
            try? await httpClient.shutdown()
            throw error
        }
    }

    @Test("one chain behind two proxies: the same bytes reach both, the node takes them once, and the lane records one accepted send")
    func bothProxies() async throws {
        try await withDevChain(blockTime: 3600) { chain in
            try await withFlakyProxy(upstream: chain.url, options: Self.prompt) { first in
                try await withFlakyProxy(upstream: chain.url, options: Self.prompt) { second in
                    let counter = EndpointCallCounter()
                    try await client([first.url, second.url], observer: counter) { rpc in
                        let version = try version(nonce: 0)
                        let answers = await rpc.sendRawTransactionEverywhere(version.raw)
                        #expect(answers.count == 2)
                        // Whichever call reached the node second finds the transaction there.
                        for case .failure(let error) in answers {
                            #expect(error.action == .alreadySent, "\(error)")
                        }
                        #expect(answers.contains { if case .success(let answer) = $0 { answer.hash == version.hash } else { false } })
                        let (result, _) = SendClassification.result(of: answers)
                        #expect(result == .accepted)
                        #expect(try await ProxyCounters.requests(first) == 1)
                        #expect(try await ProxyCounters.requests(second) == 1)
                        #expect(counter.count(of: "eth_sendRawTransaction") == 2, "every endpoint's send is observed (metrics, node liveness)")

                        try await chain.mine()
                        #expect(try await rpc.transactionReceipt(version.hash) != nil)
                        #expect(try await rpc.transactionCount(of: Self.key.address, at: .latest) == Nonce(1))

                        // Sent again once mined: every endpoint says it knows it, which is a send
                        // that worked, not a refusal.
                        let again = await rpc.sendRawTransactionEverywhere(version.raw)
                        #expect(again.count == 2)
                        #expect(SendClassification.result(of: again).0 == .accepted)
                        try await chain.mine()
                        #expect(try await rpc.transactionCount(of: Self.key.address, at: .latest) == Nonce(1), "mined twice")
                    }
                }
            }
        }
    }

    @Test("two nodes, one of which already holds the transaction: 'already known' there and accepted at the other count as one accepted send")
    func alreadyKnownAndAccepted() async throws {
        try await withDevChain(blockTime: 3600) { known in
            try await withDevChain(blockTime: 3600) { fresh in
                let version = try version(nonce: 0)
                try await client([known.url]) { (rpc: ChainRPCClient) async throws -> Void in
                    #expect(try await rpc.sendRawTransaction(version.raw) == version.hash)
                }
                try await client([known.url, fresh.url]) { rpc in
                    let answers = await rpc.sendRawTransactionEverywhere(version.raw)
                    let failures = answers.compactMap { if case .failure(let error) = $0 { error } else { nil } }
                    let takers = answers.compactMap { if case .success(let answer) = $0 { answer } else { nil } }
                    #expect(failures.map(\.action) == [.alreadySent])
                    #expect(failures.first?.endpoint.url == known.url)
                    #expect(takers.map(\.hash) == [version.hash])
                    let (result, _) = SendClassification.result(of: answers)
                    #expect(result == .accepted)

                    // In the lifecycle: one send, accepted once, version 1.
                    let policy = LifecyclePolicy(
                        confirmations: 1, fees: FeePolicy(minTip: .gwei(1), maxTip: .gwei(2), ceiling: .gwei(200)))
                    var state = SenderLaneState(sender: Self.key.address, policy: policy)
                    let id = RequestID()
                    state.insert(
                        LifecycleState(id: id, sender: Self.key.address, nonce: Nonce(0), original: version, deadline: Date().addingTimeInterval(60)))
                    var random = SystemRandomNumberGenerator()
                    let updated = state.apply(.sent(version: 1, result, head: nil), to: id, at: Date(), random: &random)
                    #expect(updated?.state.sends == 1)
                    #expect(updated?.state.acceptedVersion == 1)
                    #expect(updated?.state.status == .submitted)
                }
                for chain in [known, fresh] {
                    try await chain.mine()
                    try await client([chain.url]) { (rpc: ChainRPCClient) async throws -> Void in
                        #expect(try await rpc.transactionReceipt(version.hash) != nil)
                    }
                }
            }
        }
    }

    @Test("an endpoint that drops every call: sends still reach the other and count as accepted; once it has failed enough it gets neither sends nor reads until its cool-down ends, then one try")
    func droppingEndpoint() async throws {
        // Holds every call 0.3 s, then closes the connection unanswered and forwards nothing.
        let dropping = FlakyProxy.Options(timeScale: 100, pSilent: 1, pError: 0, latencyMin: 20, latencyMax: 20, silentForwardFraction: 0)
        try await withDevChain(blockTime: 3600) { chain in
            try await withFlakyProxy(upstream: chain.url, options: dropping) { bad in
                try await withFlakyProxy(upstream: chain.url, options: Self.prompt) { good in
                    let health = EndpointHealth.Policy(failureThreshold: 2, coolDown: .seconds(3))
                    try await client([bad.url, good.url], health: health) { rpc in
                        var sent: [TransactionVersion] = []
                        func send(_ nonce: UInt64) async throws {
                            let version = try version(nonce: nonce)
                            let (result, endpoint) = SendClassification.result(of: await rpc.sendRawTransactionEverywhere(version.raw))
                            #expect(result == .accepted, "nonce \(nonce): \(result)")
                            #expect(endpoint == (try RPCEndpoint(good.url)).description)
                            sent.append(version)
                        }
                        // Healthy at first: the send goes to both.
                        try await send(0)
                        #expect(try await ProxyCounters.requests(bad) == 1)
                        #expect(try await ProxyCounters.requests(good) == 1)
                        // A read tries the first endpoint, fails over to the second: the second
                        // failure in a row starts the dropping one's cool-down.
                        _ = try await rpc.blockNumber()
                        #expect(try await ProxyCounters.requests(bad) == 2)
                        // Cooling down: reads and sends go to the healthy one only.
                        for _ in 0..<5 { _ = try await rpc.blockNumber() }
                        try await send(1)
                        try await send(2)
                        #expect(try await ProxyCounters.requests(bad) == 2, "a cooling endpoint got calls")
                        #expect(try await ProxyCounters.requests(good) == 2 + 5 + 2)
                        // After the cool-down it is tried again, and its failure cools it at once.
                        try await Task.sleep(for: .seconds(3.5))
                        try await send(3)
                        #expect(try await ProxyCounters.requests(bad) == 3)
                        try await send(4)
                        #expect(try await ProxyCounters.requests(bad) == 3)

                        try await chain.mine()
                        for version in sent {
                            #expect(try await rpc.transactionReceipt(version.hash) != nil, "version \(version.hash) is not mined")
                        }
                        #expect(try await rpc.transactionCount(of: Self.key.address, at: .latest) == Nonce(5))
                    }
                }
            }
        }
    }
}

/// Counts observed calls by method.
final class EndpointCallCounter: RPCCallObserver {
    private let counts = Mutex<[String: Int]>([:])

    func observe(_ call: RPCCallObservation) {
        counts.withLock { $0[call.method, default: 0] += 1 }
    }

    func count(of method: String) -> Int { counts.withLock { $0[method] ?? 0 } }
}

/// A flaky proxy's own counters (`GET /stats`).
enum ProxyCounters {
    /// JSON-RPC calls that reached the proxy (test commands excluded).
    static func requests(_ proxy: FlakyProxy) async throws -> Int {
        let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: "\(proxy.url)/stats"), timeout: .seconds(5))
        let body = try await response.body.collect(upTo: 1 << 16)
        let stats = try JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any]
        guard let requests = stats?["requests"] as? Int else { throw ProxyCountersError() }
        return requests
    }
}

private struct ProxyCountersError: Error {}
