import BroadcasterConfig
import DevChainSupport
import EVMPrimitives
import EVMSigning
import Foundation
import KafkaTestSupport
import Logging
import PostgresTestSupport
import StatusStore
import StoreEngines
import Testing

/// The topics every end-to-end test's broker starts with.
enum Topics {
    static let requests = "broadcaster.requests"
    static let results = "broadcaster.results"
    static let all = [requests: 12, results: 6]
}

/// One configured sender: a dev key, its signer name and its own message type, so that
/// requests spread over the requests topic's partitions (the key is the sender).
struct Sender: Sendable {
    let index: Int
    let address: Address
    /// The public dev key 0x…0N; written to a key file, never printed.
    let keyHex: String
    var signerName: String { "s\(index)" }
    var messageTypeName: String { "add_weight_\(index)" }
    var signature: String { "add_weight_\(index)(address,uint256)" }

    /// `signature`'s selector, an address argument and `weight`: unique calldata per request.
    func calldata(weight: UInt64) -> Calldata {
        var bytes = Array(Keccak256.hash(Array(signature.utf8)).prefix(4))
        bytes += [UInt8](repeating: 0, count: 12) + address.bytes
        bytes += [UInt8](repeating: 0, count: 24) + withUnsafeBytes(of: weight.bigEndian) { Array($0) }
        return Calldata(bytes)
    }

    /// Dev keys 0x…01 through 0x…0`count` (funded on the local chain).
    static func devSenders(count: Int) throws -> [Sender] {
        try (1...count).map { index in
            let hex = "0x" + String(repeating: "0", count: 62) + String(format: "%02x", index)
            return Sender(index: index, address: try PrivateKey(hex: hex).address, keyHex: hex)
        }
    }
}

/// The dev contract every message type calls.
let devContract = try! Address("0x5FbDB2315678afecb367f032d93F642f64180aa3")

/// The status store engines the end-to-end tests run the processes on.
enum EngineUnderTest: String, CaseIterable, Sendable, CustomTestStringConvertible {
    /// One SQLite file in the workspace, shared by every process.
    case sqlite
    /// A fresh database on the tests' PostgreSQL server; each process in a folder of its own,
    /// sharing no file with the others, as on separate hosts.
    case postgres

    var testDescription: String { rawValue }
}

/// A temporary directory holding the store (or, on PostgreSQL, naming its database), the key
/// files, the configuration and the logs.
struct Workspace {
    let directory: URL
    let engine: EngineUnderTest
    /// The store every process of the workspace is configured with.
    let store: StoreSettings
    var configPath: String { directory.appendingPathComponent("broadcaster.json").path }

    /// Runs `body` in a fresh workspace on `engine`, removed afterwards unless the test failed
    /// (its logs help) or `BROADCASTER_E2E_KEEP` is set. On PostgreSQL no store file may
    /// appear anywhere in it: a process that fell back to SQLite would share nothing.
    static func with<T>(engine: EngineUnderTest = .sqlite, _ body: (Workspace) async throws -> T) async throws -> T {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("e2e-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        do {
            let result: T
            switch engine {
            case .sqlite:
                var store = StoreSettings()
                store.path = directory.appendingPathComponent("broadcaster.sqlite").path
                result = try await body(Workspace(directory: directory, engine: engine, store: store))
            case .postgres:
                result = try await withPostgresDatabase { postgres in
                    var store = StoreSettings()
                    store.kind = .postgres
                    store.postgres = postgres
                    return try await body(Workspace(directory: directory, engine: engine, store: store))
                }
                let strays = (FileManager.default.subpaths(atPath: directory.path) ?? []).filter { $0.contains(".sqlite") }
                guard strays.isEmpty else { throw StackError("store files appeared on a PostgreSQL run: \(strays)") }
            }
            if ProcessInfo.processInfo.environment["BROADCASTER_E2E_KEEP"] == nil {
                try? FileManager.default.removeItem(at: directory)
            } else {
                print("end-to-end: logs kept in \(directory.path)")
            }
            return result
        } catch {
            print("end-to-end: logs kept in \(directory.path)")
            throw error
        }
    }

    /// Runs `body` with the workspace's store, opened as the processes open it.
    func withStore<T>(_ body: (any StatusStoreEngine) async throws -> T) async throws -> T {
        try await StoreEngine.with(store, logger: Logger(label: "e2e.store")) { try await body($0) }
    }

    /// Where the process `name` runs: the workspace on SQLite (the file is shared), a folder of
    /// its own on PostgreSQL.
    func workingDirectory(of name: String) throws -> URL {
        guard engine == .postgres else { return directory }
        let own = directory.appendingPathComponent("hosts/\(name)")
        try FileManager.default.createDirectory(at: own, withIntermediateDirectories: true)
        return own
    }

    /// The configuration's `store` node.
    var storeNode: [String: Any] {
        switch engine {
        case .sqlite:
            return ["path": store.path, "busyTimeout": 5]
        case .postgres:
            return ["kind": "postgres", "url": store.postgres.map(postgresURL) ?? "", "busyTimeout": 5]
        }
    }

    /// Rows of a read-only query on the store's tables, each as column → text, whatever the
    /// engine: what the store's API does not show (the outbox, raw epochs).
    func rows(_ sql: String) throws -> [[String: String]] {
        switch engine {
        case .sqlite: return try SQLiteRows.read(path: store.path, sql: sql, arguments: [])
        case .postgres: return try PostgresRows.read(store.postgres, sql: sql)
        }
    }

    /// Writes the key files (mode 0600) and a configuration for this broker, chain and port.
    func writeConfiguration(broker: TansuBroker, rpcURL: String, apiPort: Int, senders: [Sender]) throws {
        try writeConfiguration(broker: broker, rpcURLs: [rpcURL], apiPort: apiPort, senders: senders)
    }

    /// Where a configuration written under `name` goes (`writeConfiguration(…, named:)`).
    func configPath(named name: String) -> String {
        directory.appendingPathComponent("\(name).json").path
    }

    /// Writes the key files and a configuration with `rpcURLs` as the endpoints, changed by
    /// `adjust` (`$0.merge("worker", ["maxUnsent": 4])`), to `configPath` or, with a `name`, to
    /// `configPath(named:)`: processes of one test can each have their own.
    func writeConfiguration(
        broker: TansuBroker, rpcURLs: [String], apiPort: Int, senders: [Sender], named name: String? = nil,
        adjust: (inout [String: Any]) -> Void = { _ in }
    ) throws {
        var signers: [String: Any] = ["names": senders.map(\.signerName)]
        var messageTypes: [String: Any] = ["names": senders.map(\.messageTypeName)]
        for sender in senders {
            let keyFile = directory.appendingPathComponent("\(sender.signerName).key").path
            guard FileManager.default.createFile(
                atPath: keyFile, contents: Data((sender.keyHex + "\n").utf8), attributes: [.posixPermissions: 0o600])
            else { throw StackError("cannot write the key file \(keyFile)") }
            signers[sender.signerName] = ["keyFile": keyFile, "address": sender.address.checksummed]
            messageTypes[sender.messageTypeName] = [
                "signature": sender.signature, "contract": devContract.checksummed, "signer": sender.signerName,
                "gasLimit": 100_000,
            ]
        }
        let configuration: [String: Any] = [
            "kafka": [
                "brokers": broker.bootstrapServers, "requestsTopic": Topics.requests, "resultsTopic": Topics.results,
                "consumerGroup": "broadcaster-workers", "produceTimeout": 5, "sessionTimeout": 6,
            ],
            "rpc": ["endpoints": rpcURLs, "callTimeout": 10, "chainID": 131_277_322_940_537],
            "retry": ["initialDelay": 0.2, "multiplier": 2, "maxDelay": 2, "jitter": 0.2, "deadline": 120],
            "store": storeNode,
            "api": ["host": "127.0.0.1", "port": apiPort],
            // Each worker's health server on a free port: several run on one host.
            "worker": ["port": 0, "leaseLength": 6],
            // Final two blocks deep: the local chain mines a block a second.
            "tracking": ["confirmations": 2, "pollInterval": 0.2, "poolCheckAfter": 5],
            "signers": signers,
            "messageTypes": messageTypes,
        ]
        var adjusted = configuration
        adjust(&adjusted)
        let data = try JSONSerialization.data(withJSONObject: adjusted, options: [.prettyPrinted, .sortedKeys])
        try data.write(to: URL(fileURLWithPath: name.map(configPath(named:)) ?? configPath))
    }
}

extension Dictionary where Key == String, Value == Any {
    /// Sets `values` in the configuration node `section`, keeping its other keys.
    mutating func merge(_ section: String, _ values: [String: Any]) {
        var node = self[section] as? [String: Any] ?? [:]
        node.merge(values) { _, new in new }
        self[section] = node
    }
}

/// A `broadcaster api` or `broadcaster worker` process, logging to a file in the workspace.
final class BroadcasterProcess {
    let name: String
    let logFile: URL
    private let process: Process

    init(_ command: String, name: String, workspace: Workspace, configPath: String? = nil) throws {
        self.name = name
        logFile = workspace.directory.appendingPathComponent("\(name).log")
        _ = FileManager.default.createFile(atPath: logFile.path, contents: nil)
        let log = try FileHandle(forWritingTo: logFile)
        defer { try? log.close() }
        process = Process()
        process.executableURL = try Self.executable()
        process.arguments = [command, "--config", configPath ?? workspace.configPath]
        // Only the file configures it: a BROADCASTER_* variable of this shell would override it.
        process.environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("BROADCASTER_") }
        process.currentDirectoryURL = try workspace.workingDirectory(of: name)
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = log
        process.standardError = log
        try process.run()
    }

    var pid: Int32 { process.processIdentifier }
    var isRunning: Bool { process.isRunning }

    /// kill -9, and waits until the process is gone.
    func kill9() async {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
        let deadline = ContinuousClock.now + .seconds(5)
        while process.isRunning, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(20))
        }
    }

    /// SIGSTOP: the process freezes (a long GC pause, a VM migration), holding whatever it holds.
    func pause() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGSTOP)
    }

    /// SIGCONT after `pause()`.
    func resume() {
        kill(process.processIdentifier, SIGCONT)
    }

    /// Resident memory in KiB (`VmRSS` of /proc), nil once the process is gone.
    var residentKiB: Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(process.processIdentifier)/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") })
        else { return nil }
        return Int(line.split(separator: " ").dropFirst().first ?? "")
    }

    /// The log so far.
    var log: String { (try? String(contentsOf: logFile, encoding: .utf8)) ?? "" }

    /// Where the log ends now, for `log(after:)`.
    var logMark: Int { log.utf8.count }

    /// The log's lines written after `mark` (a `logMark` taken earlier).
    func log(after mark: Int) -> [Substring] {
        let bytes = Array(log.utf8)
        guard mark < bytes.count else { return [] }
        return String(decoding: bytes[mark...], as: UTF8.self)[...].split(separator: "\n")
    }

    /// A worker's name in leases and outbox claims, from its start-up line.
    var owner: String? {
        guard let line = log.split(separator: "\n").first(where: { $0.contains("worker pipeline starting") }) else { return nil }
        return LogLine.value(of: "owner", in: line)
    }

    /// Waits until the log contains `marker`; fails with the log's tail if the process exits or time runs out.
    func waitForLog(_ marker: String, timeout: Duration) async throws {
        let deadline = ContinuousClock.now + timeout
        while !log.contains(marker) {
            guard process.isRunning else { throw StackError("\(name) exited before logging '\(marker)': \(tail)") }
            guard ContinuousClock.now < deadline else { throw StackError("\(name) did not log '\(marker)' within \(timeout): \(tail)") }
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    var tail: String { String(log.suffix(1500)) }

    /// How many log lines contain `text`.
    func lines(containing text: String) -> Int {
        log.split(separator: "\n").count { $0.contains(text) }
    }

    /// The built `broadcaster` next to the test bundle (`swift build --build-tests` builds both).
    static func executable() throws -> URL {
        var candidates: [URL] = []
        if let bundle = Bundle.main.executableURL {
            candidates.append(bundle.deletingLastPathComponent().appendingPathComponent("broadcaster"))
        }
        candidates.append(try RepositoryRoot.locate().appendingPathComponent(".build/debug/broadcaster"))
        guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) else {
            throw StackError(
                "the broadcaster executable is not built (looked at \(candidates.map(\.path))); run 'swift build --build-tests' (scripts/test does)")
        }
        return found
    }
}

/// The API and workers of one test, all killed when the test ends however it ends.
final class Stack {
    let workspace: Workspace
    let apiPort: Int
    private(set) var processes: [BroadcasterProcess] = []
    private var generation = 0

    init(workspace: Workspace, apiPort: Int) {
        self.workspace = workspace
        self.apiPort = apiPort
    }

    var apiURL: String { "http://127.0.0.1:\(apiPort)" }

    /// Starts `broadcaster api` and waits for /readyz.
    func startAPI() async throws -> BroadcasterProcess {
        generation += 1
        let api = try BroadcasterProcess("api", name: "api-\(generation)", workspace: workspace)
        processes.append(api)
        let deadline = ContinuousClock.now + .seconds(60)
        while await !HTTP.ok("\(apiURL)/readyz") {
            guard api.isRunning else { throw StackError("the API exited during startup: \(api.tail)") }
            guard ContinuousClock.now < deadline else { throw StackError("the API was not ready within 60 s: \(api.tail)") }
            try await Task.sleep(for: .milliseconds(200))
        }
        return api
    }

    /// Starts a worker (with the configuration at `configPath`, the workspace's by default);
    /// `waitForAssignment` waits until it is in the group with partitions.
    func startWorker(_ number: Int, waitForAssignment: Bool = true, configPath: String? = nil) async throws -> BroadcasterProcess {
        generation += 1
        let worker = try BroadcasterProcess(
            "worker", name: "worker-\(number)-\(generation)", workspace: workspace, configPath: configPath)
        processes.append(worker)
        if waitForAssignment {
            // Tansu holds a JoinGroup for about half the session timeout; a rebalance may take two.
            try await worker.waitForLog("partitions assigned", timeout: .seconds(45))
        }
        return worker
    }

    /// SIGKILLs everything still running; for the test's `defer`.
    func killAll() {
        for process in processes where process.isRunning {
            kill(process.pid, SIGCONT)
            kill(process.pid, SIGKILL)
        }
    }
}

/// Reads swift-log's `StreamLogHandler` lines: `… level label : key=value key=value [Module] message`.
enum LogLine {
    /// The value of metadata `key` in `line`, if present.
    static func value(of key: String, in line: some StringProtocol) -> String? {
        guard let found = line.range(of: " \(key)=") else { return nil }
        return String(line[found.upperBound...].prefix { $0 != " " })
    }
}

struct StackError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
