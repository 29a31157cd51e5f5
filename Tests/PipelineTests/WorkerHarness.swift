import ABI
import BroadcastModel
import BroadcasterConfig
import ChainRPC
import EVMKeys
import EVMPrimitives
import Foundation
import Kafka
import KafkaTestSupport
import Logging
import Pipeline
import StatusStore

/// Quiet enough to read test output; the worker's errors still show.
let testLogger: Logger = {
    var logger = Logger(label: "PipelineTests")
    logger.logLevel = .error
    return logger
}()

/// A temporary directory with a store path and the dev key file, removed afterwards.
struct Workspace: Sendable {
    let directory: URL
    var storePath: String { directory.appendingPathComponent("broadcaster.sqlite").path }
    var keyFile: String { directory.appendingPathComponent("dev.key").path }

    static func with<T>(_ body: (Workspace) async throws -> T) async throws -> T {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pipeline-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let workspace = Workspace(directory: directory)
        // Dev key 0x…01, owner-readable only as a key file must be.
        FileManager.default.createFile(
            atPath: workspace.keyFile, contents: Data(("0x" + String(repeating: "0", count: 63) + "1\n").utf8),
            attributes: [.posixPermissions: 0o600])
        return try await body(workspace)
    }

    func openStore() throws -> SQLiteStatusStore { try SQLiteStatusStore(path: storePath) }
}

enum Topics {
    static let requests = "broadcaster.requests"
    static let results = "broadcaster.results"
    /// The topics a worker test's broker starts with.
    static let all = [requests: 2, results: 1]
}

/// The configuration a test worker runs with: the dev signer and the mission's message type.
func workerConfiguration(
    broker: TansuBroker, rpcURL: String, workspace: Workspace,
    retry: RetryPolicy = RetryPolicy(maxAttempts: 5, initialDelay: .milliseconds(100), multiplier: 2, maxDelay: .seconds(1)),
    gasLimit: Gas = Gas(100_000), callTimeout: Duration = .seconds(5)
) throws -> BroadcasterConfiguration {
    var configuration = BroadcasterConfiguration()
    configuration.kafka.brokers = broker.bootstrapServers
    configuration.kafka.sessionTimeout = .seconds(6)
    configuration.rpc.endpoints = [URL(string: rpcURL)!]
    configuration.rpc.callTimeout = callTimeout
    configuration.retry = retry
    configuration.store.path = workspace.storePath
    configuration.signers = ["dev": .hexFile(path: workspace.keyFile)]
    configuration.signerAddresses = ["dev": Fixtures.sender]
    configuration.messageTypes = [
        MessageTypeSettings(
            name: "add_weight", signature: try FunctionSignature(parsing: "add_weight(address _addr, uint256 _weight)"),
            contract: Fixtures.contract, signer: "dev", gasLimit: gasLimit,
            selectorRule: .pinned(try Selector(hex: "0xd7136328")))
    ]
    return configuration
}

/// Shortens the worker's waits so tests stay quick.
@Sendable func quickSettings(_ settings: inout PipelineSettings) {
    settings.drainGrace = .seconds(2)
    settings.chainCheckDelay = .milliseconds(200)
    settings.reconcileRetryDelay = .milliseconds(200)
    settings.storeRetryDelay = .milliseconds(100)
}

/// Runs a worker while `body` runs, then cancels it (as abruptly as a crash: what it stored
/// stays in the store). Fails if the worker stops on its own first.
func whileWorkerRuns<T: Sendable>(
    _ configuration: BroadcasterConfiguration,
    _ body: @escaping @Sendable () async throws -> T
) async throws -> T {
    return try await withThrowingTaskGroup(of: Ended<T>.self) { group in
        group.addTask {
            do {
                try await Worker.run(configuration: configuration, logger: testLogger, gracefulShutdownSignals: [], tune: quickSettings)
                return .worker("returned")
            } catch {
                return .worker("\(error)")
            }
        }
        group.addTask { .body(try await body()) }
        defer { group.cancelAll() }
        switch try await group.next() {
        case .body(let result)?:
            return result
        case .worker(let how)?:
            throw HarnessError("the worker stopped before the test was done: \(how)")
        case nil:
            throw HarnessError("nothing ran")
        }
    }
}

/// Runs a producer while `body` produces requests as the API would (key = sender address).
func withRequestProducer<T: Sendable>(
    _ broker: TansuBroker, _ body: @escaping @Sendable (RequestProducer) async throws -> T
) async throws -> T {
    let producer = try KafkaProducer(
        configuration: KafkaProducerConfiguration(bootstrapServers: broker.bootstrapServers), logger: testLogger)
    return try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask {
            try await producer.run()
            return nil
        }
        defer { group.cancelAll() }
        return try await body(RequestProducer(producer: producer))
    }
}

struct RequestProducer: Sendable {
    let producer: KafkaProducer

    func send(_ request: BroadcastRequest) async throws {
        _ = try await producer.send(
            topic: Topics.requests, key: Array(request.from.checksummed.utf8), value: Array(try TopicCoding.encoder().encode(request)))
    }

    func sendRaw(_ value: [UInt8]) async throws {
        _ = try await producer.send(topic: Topics.requests, key: nil, value: value)
    }
}

/// Polls `condition` every 100 ms until it returns a value, failing after `timeout`.
func eventually<T>(
    _ what: String, timeout: Duration = .seconds(30), _ condition: () async throws -> T?
) async throws -> T {
    let deadline = ContinuousClock.now + timeout
    while true {
        if let value = try await condition() { return value }
        guard ContinuousClock.now < deadline else { throw HarnessError("timed out waiting for \(what)") }
        try await Task.sleep(for: .milliseconds(100))
    }
}

/// The stored records of `ids` once every one of them satisfies `done`.
func records(
    _ ids: [RequestID], in store: SQLiteStatusStore, timeout: Duration = .seconds(30),
    where done: @escaping (TransactionRecord) -> Bool
) async throws -> [TransactionRecord] {
    try await eventually("\(ids.count) requests to reach the expected status", timeout: timeout) {
        var found: [TransactionRecord] = []
        for id in ids {
            guard let record = try await store.record(id), done(record) else { return nil }
            found.append(record)
        }
        return found
    }
}

/// Which of a worker and its test body ended first.
private enum Ended<T: Sendable>: Sendable {
    case worker(String)
    case body(T)
}

struct HarnessError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Reads the results topic from its end while `body` runs, and returns `body`'s result with
/// the status events of `id` seen until one was final.
func watchingResults<T: Sendable>(
    _ broker: TansuBroker, for id: RequestID, _ body: @escaping @Sendable () async throws -> T
) async throws -> (T, [StatusEvent]) {
    let tail = try KafkaTopicTail(bootstrapServers: broker.bootstrapServers, topic: Topics.results, logger: testLogger)
    return try await withThrowingTaskGroup(of: WatchEnded<T>.self) { group in
        group.addTask {
            try await tail.run()
            return .tail
        }
        defer { group.cancelAll() }
        guard await tail.waitUntilPositioned() else { throw HarnessError("the results tail could not position itself") }
        group.addTask {
            var seen: [StatusEvent] = []
            for await message in tail.messages {
                guard let event = try? TopicCoding.decoder().decode(StatusEvent.self, from: Data(message.value)), event.id == id
                else { continue }
                seen.append(event)
                if event.status.isFinal { break }
            }
            return .events(seen)
        }
        let result = try await body()
        while let ended = try await group.next() {
            if case .events(let events) = ended { return (result, events) }
        }
        throw HarnessError("the results tail ended before the final status event")
    }
}

private enum WatchEnded<T: Sendable>: Sendable {
    case tail
    case events([StatusEvent])
}
