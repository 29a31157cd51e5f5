import Crypto
import DevChainSupport
import EVMPrimitives
import Foundation
import KafkaTestSupport

/// The real `broadcaster api` process, built by `swift build --build-tests`, on a real Tansu
/// broker, started under a low open-file limit so that slow clients meet the limit that
/// production would.
final class HostileAPI: @unchecked Sendable {
    static let requestsTopic = "broadcaster.requests"
    static let resultsTopic = "broadcaster.results"
    /// The API key the suite presents; the API is configured with its digest only.
    static let apiKey = "hostile-suite-key"
    static let sender = "0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf"
    static let contract = "0x5FbDB2315678afecb367f032d93F642f64180aa3"
    /// `ulimit -n` of the API process: fewer descriptors than 200 slow clients and the API's own
    /// need; with `ConnectionCapacity.reserved` (128) kept, 64 connections are served at once.
    static let fileLimit = 192

    /// The connection limits the suite runs with, short so that slow clients are cut quickly.
    enum Limits {
        static let idle = 3.0
        static let header = 2.0
        static let body = 3.0
    }

    let port: Int
    let directory: URL
    let logFile: URL
    private let process: Process

    private init(port: Int, directory: URL, logFile: URL, process: Process) {
        self.port = port
        self.directory = directory
        self.logFile = logFile
        self.process = process
    }

    /// Runs `body` against an API on a fresh broker; the process is killed afterwards.
    static func run(_ body: @escaping @Sendable (HostileAPI) async throws -> Void) async throws {
        try await withTansu(topics: [requestsTopic: 3, resultsTopic: 2]) { broker in
            let api = try await start(broker: broker)
            defer { api.kill() }
            do {
                try await body(api)
                try? FileManager.default.removeItem(at: api.directory)
            } catch {
                print("hostile input: the API's log is kept at \(api.logFile.path)")
                throw error
            }
        }
    }

    private static func start(broker: TansuBroker) async throws -> HostileAPI {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("hostile-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let port = try TansuBroker.unusedPort()
        let configPath = directory.appendingPathComponent("broadcaster.json")
        try configuration(broker: broker, port: port, directory: directory).write(to: configPath)
        let logFile = directory.appendingPathComponent("api.log")
        _ = FileManager.default.createFile(atPath: logFile.path, contents: nil)
        let log = try FileHandle(forWritingTo: logFile)
        defer { try? log.close() }

        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = [
            "-c", "ulimit -n \(fileLimit) && exec \"$0\" api --config \"$1\"", try executable().path, configPath.path,
        ]
        process.environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("BROADCASTER_") }
        process.currentDirectoryURL = directory
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = log
        process.standardError = log
        try process.run()
        let api = HostileAPI(port: port, directory: directory, logFile: logFile, process: process)

        let deadline = ContinuousClock.now + .seconds(60)
        while await api.get("/readyz")?.status != 200 {
            guard process.isRunning else { throw HostileError("the API exited during startup: \(api.tail)") }
            guard ContinuousClock.now < deadline else { throw HostileError("the API was not ready within 60 s: \(api.tail)") }
            try await Task.sleep(for: .milliseconds(200))
        }
        return api
    }

    /// Two message types: the mission's `add_weight` (selector pinned) and `store(bytes)` with a
    /// gas limit that 16 KB of data exceeds.
    private static func configuration(broker: TansuBroker, port: Int, directory: URL) throws -> Data {
        let keyFile = try RepositoryRoot.locate().appendingPathComponent("Config/dev-keys/dev.key").path
        let digest = SHA256.hash(data: Data(apiKey.utf8)).map { String(format: "%02x", $0) }.joined()
        let configuration: [String: Any] = [
            "kafka": [
                "brokers": broker.bootstrapServers, "requestsTopic": requestsTopic, "resultsTopic": resultsTopic,
                "produceTimeout": 3,
            ],
            "store": ["path": directory.appendingPathComponent("broadcaster.sqlite").path],
            "api": [
                "host": "127.0.0.1", "port": port, "apiKeyHashes": [digest], "maxWait": 30,
                "idleTimeout": Limits.idle, "headerTimeout": Limits.header, "bodyTimeout": Limits.body,
            ],
            "signers": ["names": ["dev"], "dev": ["keyFile": keyFile, "address": sender]],
            "messageTypes": [
                "names": ["add_weight", "store"],
                "add_weight": [
                    "signature": "add_weight(address _addr, uint256 _weight)", "contract": contract, "signer": "dev",
                    "gasLimit": 100_000, "selector": "0xd7136328",
                ],
                "store": ["signature": "store(bytes data)", "contract": contract, "signer": "dev", "gasLimit": 200_000],
            ],
        ]
        return try JSONSerialization.data(withJSONObject: configuration, options: [.prettyPrinted, .sortedKeys])
    }

    /// The built `broadcaster` next to the test bundle.
    static func executable() throws -> URL {
        var candidates: [URL] = []
        if let bundle = Bundle.main.executableURL {
            candidates.append(bundle.deletingLastPathComponent().appendingPathComponent("broadcaster"))
        }
        candidates.append(try RepositoryRoot.locate().appendingPathComponent(".build/debug/broadcaster"))
        guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) else {
            throw HostileError("the broadcaster executable is not built (looked at \(candidates.map(\.path))); run 'swift build --build-tests'")
        }
        return found
    }

    var isRunning: Bool { process.isRunning }
    var pid: Int32 { process.processIdentifier }

    func kill() {
        guard process.isRunning else { return }
        Foundation.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    var log: String { (try? String(contentsOf: logFile, encoding: .utf8)) ?? "" }
    var tail: String { String(log.suffix(2000)) }

    /// Log lines at level error or critical (swift-log's stream handler writes the level after the time).
    var errorLines: [Substring] {
        log.split(separator: "\n").filter { $0.contains(" error broadcaster") || $0.contains(" critical broadcaster") }
    }

    /// Open descriptors of the API process.
    var openFiles: Int {
        (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd").count) ?? -1
    }

    /// A GET with the API key, over a fresh connection.
    func get(_ path: String) async -> RawResponse? {
        await RawConnection.exchange(port: port, Request.get(path), timeout: .seconds(10))
    }
}

struct HostileError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
