import AsyncHTTPClient
import BroadcastModel
import ChainRPC
import DevChainSupport
import EVMPrimitives
import Foundation
import KafkaTestSupport
import NIOCore
import NIOHTTP1
import SQLiteStore
import StatusStore
import Testing

/// One end-to-end environment: a broker, the local chain, a workspace and a stack whose
/// processes are always killed afterwards, the store read through its API and as a file, and
/// flaky proxies started for the test (stopped afterwards).
final class Environment {
    let broker: TansuBroker
    let chain: DevChain
    let workspace: Workspace
    let stack: Stack
    let store: any StatusStoreEngine
    let file: StoreTables
    let check: ChainCheck
    let senders: [Sender]
    private var proxies: [FlakyProxy] = []

    init(broker: TansuBroker, chain: DevChain, workspace: Workspace, stack: Stack, store: any StatusStoreEngine, check: ChainCheck) {
        self.broker = broker
        self.chain = chain
        self.workspace = workspace
        self.stack = stack
        self.store = store
        self.file = StoreTables(workspace: workspace)
        self.check = check
        self.senders = check.senders
    }

    /// Writes a configuration (the workspace's own, or one `named` for some processes) whose
    /// endpoints are `rpcURLs`, changed by `adjust`.
    func configure(rpcURLs: [String], named name: String? = nil, adjust: (inout [String: Any]) -> Void = { _ in }) throws {
        try workspace.writeConfiguration(
            broker: broker, rpcURLs: rpcURLs, apiPort: stack.apiPort, senders: senders, named: name, adjust: adjust)
    }

    /// A flaky proxy in front of the chain (stopped when the test ends).
    func proxy(_ options: FlakyProxy.Options, port: Int = 0) async throws -> FlakyProxy {
        let proxy = try await FlakyProxy.start(upstream: chain.url, options: options, port: port)
        proxies.append(proxy)
        return proxy
    }

    func stopProxies() async {
        for proxy in proxies { await proxy.stop() }
    }
}

/// Runs `body` in a fresh environment with `senderCount` funded senders and its store on
/// `engine`; the chain mines every `blockTime` seconds.
func withStackEnvironment(
    senderCount: Int, blockTime: Double = 0.5, engine: EngineUnderTest = .sqlite, _ body: (Environment) async throws -> Void
) async throws {
    let senders = try Sender.devSenders(count: senderCount)
    try await withTansu(topics: Topics.all) { broker in
        try await withDevChain(blockTime: blockTime) { chain in
            try await Workspace.with(engine: engine) { workspace in
                let stack = Stack(workspace: workspace, apiPort: try TansuBroker.unusedPort())
                defer { stack.killAll() }
                try await workspace.withStore { store in
                    try await withChainRPCClient(endpoints: [chain.url]) { rpc in
                        let environment = Environment(
                            broker: broker, chain: chain, workspace: workspace, stack: stack, store: store,
                            check: ChainCheck(rpc: rpc, senders: senders))
                        do {
                            try await body(environment)
                            stack.killAll()
                            await environment.stopProxies()
                        } catch {
                            stack.killAll()
                            await environment.stopProxies()
                            throw error
                        }
                    }
                }
            }
        }
    }
}

/// Proxy knobs the tests use: a node that answers every call, after `seconds`.
func steadyNode(seconds: Double, seed: UInt64 = 1) -> FlakyProxy.Options {
    // Latencies are given unscaled (20-30 s); the scale brings them to `seconds`.
    FlakyProxy.Options(
        seed: seed, timeScale: 25 / max(seconds, 0.001), pSilent: 0, pError: 0, latencyMin: 20, latencyMax: 30)
}

/// A flaky proxy's own counters (`GET /stats`).
enum ProxyCounters {
    static func stats(_ url: String) async throws -> [String: Int] {
        let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: "\(url)/stats"), timeout: .seconds(5))
        let body = try await response.body.collect(upTo: 1 << 16)
        let parsed = try JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any] ?? [:]
        return parsed.compactMapValues { $0 as? Int }
    }

    /// JSON-RPC calls that reached the proxy (test commands excluded), counted one by one
    /// inside batches: the proxy's `requests` counts HTTP requests, which batches share.
    static func requests(_ proxy: FlakyProxy) async throws -> Int {
        try await stats(proxy.url)["calls"] ?? 0
    }
}

/// The store's rows about senders and their requests, read from the file.
extension StoreTables {
    struct LeaseRow: Hashable {
        let sender: String
        let owner: String
        let epoch: Int
        let expiresAt: Int
    }

    func leases() throws -> [String: LeaseRow] {
        var leases: [String: LeaseRow] = [:]
        for row in try rows("SELECT sender, owner, epoch, expires_at FROM sender_leases") {
            guard let sender = row["sender"], let owner = row["owner"], let epoch = Int(row["epoch"] ?? ""),
                  let expires = Int(row["expires_at"] ?? "")
            else { continue }
            leases[sender] = LeaseRow(sender: sender, owner: owner, epoch: epoch, expiresAt: expires)
        }
        return leases
    }

    struct AttemptRow: Hashable {
        let requestID: String
        let sender: String
        let number: Int
        let version: Int
        let hash: String
        let startedAt: Int
        let finishedAt: Int
        let outcome: String
        let endpoint: String?
    }

    func attempts() throws -> [AttemptRow] {
        try rows(
            """
            SELECT a.request_id, r.from_address, a.number, a.version, a.hash, a.started_at, a.finished_at, a.outcome, a.endpoint
            FROM attempts a JOIN requests r ON r.id = a.request_id ORDER BY a.started_at
            """
        ).compactMap { row in
            guard let id = row["request_id"], let sender = row["from_address"], let number = Int(row["number"] ?? ""),
                  let version = Int(row["version"] ?? ""), let hash = row["hash"], let started = Int(row["started_at"] ?? ""),
                  let finished = Int(row["finished_at"] ?? ""), let outcome = row["outcome"]
            else { return nil }
            return AttemptRow(
                requestID: id, sender: sender, number: number, version: version, hash: hash, startedAt: started,
                finishedAt: finished, outcome: outcome, endpoint: row["endpoint"])
        }
    }

    /// Senders with requests not final yet, by how many.
    func unfinishedBySender() throws -> [String: Int] {
        var counts: [String: Int] = [:]
        for row in try rows(
            "SELECT from_address, COUNT(*) AS n FROM requests WHERE status NOT IN ('confirmed', 'reverted', 'failed') GROUP BY from_address")
        {
            if let sender = row["from_address"], let count = Int(row["n"] ?? "") { counts[sender] = count }
        }
        return counts
    }

    /// Versions signed per request.
    func versionCounts() throws -> [String: Int] {
        var counts: [String: Int] = [:]
        for row in try rows("SELECT request_id, COUNT(*) AS n FROM versions GROUP BY request_id") {
            if let id = row["request_id"], let count = Int(row["n"] ?? "") { counts[id] = count }
        }
        return counts
    }

    func outboxCount() throws -> Int { try count("SELECT COUNT(*) FROM outbox") }

    func requestCount() throws -> Int { try count("SELECT COUNT(*) FROM requests") }

    /// Stored offsets of the requests topic, by partition.
    func storedOffsets() throws -> [Int: Int] {
        var offsets: [Int: Int] = [:]
        for row in try rows("SELECT partition, next_offset FROM consumer_offsets WHERE topic = '\(Topics.requests)'") {
            if let partition = Int(row["partition"] ?? ""), let offset = Int(row["next_offset"] ?? "") { offsets[partition] = offset }
        }
        return offsets
    }
}

/// Milliseconds since 1970, as the store keeps times.
func storeMillis(_ date: Date = Date()) -> Int { Int(date.timeIntervalSince1970 * 1000) }

/// Waits until `condition` holds (polled), or `timeout` passes; returns whether it held.
func eventually(timeout: Duration, every interval: Duration = .milliseconds(200), _ condition: () async throws -> Bool) async throws -> Bool {
    let deadline = ContinuousClock.now + timeout
    while true {
        if try await condition() { return true }
        guard ContinuousClock.now < deadline else { return false }
        try await Task.sleep(for: interval)
    }
}
