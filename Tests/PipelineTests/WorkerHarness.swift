import ABI
import AsyncHTTPClient
import BroadcastModel
import BroadcasterConfig
import ChainRPC
import EVMKeys
import EVMSigning
import EVMPrimitives
import Foundation
import GRDB
import Kafka
import KafkaTestSupport
import Lifecycle
import Logging
import NIOCore
import NIOHTTP1
import Pipeline
import SQLiteStore
import StatusStore
import Synchronization
import DevChainSupport
import Testing

/// Quiet enough to read test output; the worker's errors still show.
let testLogger: Logger = {
    var logger = Logger(label: "PipelineTests")
    logger.logLevel = .error
    return logger
}()

/// A temporary directory with a store path and key files of the public dev keys, removed
/// afterwards.
struct Workspace: Sendable {
    let directory: URL
    var storePath: String { directory.appendingPathComponent("broadcaster.sqlite").path }
    /// Dev key 0x…01, the signer of the mission's message type.
    var keyFile: String { keyFile(of: 1) }
    /// Dev key 0x…02, the signer of the `ping` message type.
    var otherKeyFile: String { keyFile(of: 2) }

    /// The key file of dev key 0x…`index` (written on first use, owner-readable only as a key
    /// file must be).
    func keyFile(of index: Int) -> String {
        let path = directory.appendingPathComponent("dev-\(index).key").path
        if !FileManager.default.fileExists(atPath: path) {
            _ = FileManager.default.createFile(
                atPath: path, contents: Data((DevKeys.hex(index) + "\n").utf8), attributes: [.posixPermissions: 0o600])
        }
        return path
    }

    static func with<T>(_ body: (Workspace) async throws -> T) async throws -> T {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pipeline-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        return try await body(Workspace(directory: directory))
    }

    func openStore() throws -> SQLiteStatusStore { try SQLiteStatusStore(path: storePath) }
}

/// The public dev keys 0x…01 to 0x…0a hold 1,000,000 ETH on the local chain; higher ones hold nothing.
enum DevKeys {
    static func hex(_ index: Int) -> String { "0x" + String(repeating: "0", count: 62) + String(format: "%02x", index) }
    static func key(_ index: Int) -> PrivateKey { try! PrivateKey(hex: hex(index)) }
    static func address(_ index: Int) -> Address { key(index).address }
}

enum Topics {
    static let requests = "broadcaster.requests"
    static let results = "broadcaster.results"
    static let deadLetter = "broadcaster.dead-letter"
    /// The topics a worker test's broker starts with.
    static let all = [requests: 2, results: 1, deadLetter: 1]
}

/// Backoff for tests: quick, and a deadline far enough that nothing is given up by accident.
let quickRetry = RetryPolicy(initialDelay: .milliseconds(100), multiplier: 2, maxDelay: .seconds(1), jitter: 0.2, deadline: .seconds(300))

/// The configuration a test worker runs with: the dev signer with the mission's message type
/// and `store(bytes)`, `archive(bytes)` for large data; a second signer with `ping(uint256)`.
/// The health server takes a free port. Final two blocks deep; nothing is bumped unless a test
/// asks (`tracking.bumpAfter`), a version a node took is looked up in its pool after 2 s.
func workerConfiguration(
    broker: TansuBroker, rpcURL: String, workspace: Workspace, retry: RetryPolicy = quickRetry,
    gasLimit: Gas = Gas(100_000), callTimeout: Duration = .seconds(5)
) throws -> BroadcasterConfiguration {
    var configuration = BroadcasterConfiguration()
    configuration.kafka.brokers = broker.bootstrapServers
    configuration.kafka.sessionTimeout = .seconds(6)
    configuration.rpc.endpoints = [URL(string: rpcURL)!]
    configuration.rpc.callTimeout = callTimeout
    configuration.retry = retry
    configuration.store.path = workspace.storePath
    configuration.worker.port = 0
    // A crashed test worker's senders are free again soon (renewed every 2.5 s).
    configuration.worker.leaseLength = .seconds(5)
    configuration.tracking.confirmations = 2
    configuration.tracking.pollInterval = .milliseconds(200)
    configuration.tracking.poolCheckAfter = .seconds(2)
    configuration.tracking.bumpAfter = .seconds(3600)
    configuration.tracking.bumpAfterBlocks = 10_000
    configuration.signers = ["dev": .hexFile(path: workspace.keyFile), "other": .hexFile(path: workspace.otherKeyFile)]
    configuration.signerAddresses = ["dev": Fixtures.sender, "other": Fixtures.otherSender]
    configuration.messageTypes = [
        MessageTypeSettings(
            name: "add_weight", signature: try FunctionSignature(parsing: "add_weight(address _addr, uint256 _weight)"),
            contract: Fixtures.contract, signers: ["dev"], gasLimit: gasLimit,
            selectorRule: .pinned(try Selector(hex: "0xd7136328"))),
        MessageTypeSettings(
            name: "store", signature: try FunctionSignature(parsing: "store(bytes)"),
            contract: Fixtures.storeContract, signers: ["dev"], gasLimit: Gas(200_000)),
        MessageTypeSettings(
            name: "archive", signature: try FunctionSignature(parsing: "archive(bytes)"),
            contract: Fixtures.storeContract, signers: ["dev"], gasLimit: Gas(2_000_000)),
        MessageTypeSettings(
            name: "ping", signature: try FunctionSignature(parsing: "ping(uint256)"),
            contract: Fixtures.pingContract, signers: ["other"], gasLimit: Gas(100_000)),
    ]
    return configuration
}

extension BroadcasterConfiguration {
    /// Adds signer `name` with dev key 0x…`index` and its own message type `function` (to
    /// ``Fixtures/storeContract``).
    mutating func addSigner(_ name: String, devKey index: Int, function: String, in workspace: Workspace) throws {
        signers[name] = .hexFile(path: workspace.keyFile(of: index))
        signerAddresses[name] = DevKeys.address(index)
        messageTypes.append(
            MessageTypeSettings(
                name: name, signature: try FunctionSignature(parsing: function), contract: Fixtures.storeContract,
                signers: [name], gasLimit: Gas(100_000)))
    }
}

/// Shortens the worker's waits so tests stay quick.
@Sendable func quickSettings(_ settings: inout PipelineSettings) {
    settings.drainGrace = .seconds(2)
    settings.chainCheckDelay = .milliseconds(200)
    settings.leaseWaitDelay = .milliseconds(200)
    settings.sweepInterval = .seconds(1)
    settings.storeRetry = BoundedRetry(
        attempts: 40, backoff: RetryPolicy(initialDelay: .milliseconds(100), multiplier: 1.5, maxDelay: .milliseconds(500)))
    settings.deadLetterBackoff = RetryPolicy(initialDelay: .milliseconds(100), maxDelay: .milliseconds(500))
    settings.monitorInterval = .milliseconds(200)
    settings.nodeProbeAfter = .seconds(1)
    settings.nodeAnswerWindow = .seconds(3)
}

/// A running test worker: where its health server listens.
final class RunningWorker: Sendable {
    fileprivate let port = Mutex<Int?>(nil)

    /// `http://127.0.0.1:PORT/path` of the worker's health server, once it listens.
    func url(_ path: String) async throws -> String {
        let port = try await eventually("the worker's health server to listen") { self.port.withLock { $0 } }
        return "http://127.0.0.1:\(port)\(path)"
    }
}

/// Runs a worker while `body` runs, then cancels it (as abruptly as a crash: what it stored
/// stays in the store). Fails if the worker stops on its own first.
func whileWorkerRuns<T: Sendable>(
    _ configuration: BroadcasterConfiguration,
    _ body: @escaping @Sendable () async throws -> T
) async throws -> T {
    try await whileWorkerRuns(configuration) { (_: RunningWorker) in try await body() }
}

/// The same, with the running worker at hand; `logs` records what the worker logs.
func whileWorkerRuns<T: Sendable>(
    _ configuration: BroadcasterConfiguration,
    tune: @escaping @Sendable (inout PipelineSettings) -> Void = quickSettings,
    logs: LogRecorder? = nil,
    _ body: @escaping @Sendable (RunningWorker) async throws -> T
) async throws -> T {
    let worker = RunningWorker()
    let logger = logs?.logger ?? testLogger
    return try await withThrowingTaskGroup(of: Ended<T>.self) { group in
        group.addTask {
            do {
                try await Worker.run(
                    configuration: configuration, logger: logger, gracefulShutdownSignals: [], tune: tune,
                    onHealthServerListening: { port in worker.port.withLock { $0 = port } })
                return .worker("returned")
            } catch {
                return .worker("\(error)")
            }
        }
        group.addTask { .body(try await body(worker)) }
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

/// What a worker logged, from `level` up (`info` unless a test waits for a debug line): tests
/// read the alerts an operator would get. Errors are also printed, as ``testLogger`` does.
final class LogRecorder: Sendable {
    struct Entry: Sendable {
        let level: Logger.Level
        let message: String
        let metadata: [String: String]
    }

    private let entries = Mutex<[Entry]>([])
    private let level: Logger.Level

    init(level: Logger.Level = .info) {
        self.level = level
    }

    var logger: Logger {
        Logger(label: "PipelineTests.worker") { [level] label in
            var printer = StreamLogHandler.standardError(label: label)
            printer.logLevel = .error
            return RecordingLogHandler(recorder: self, printer: printer, logLevel: level)
        }
    }

    var all: [Entry] { entries.withLock { $0 } }

    /// The alerts raised (`critical`, `alert: true`).
    var alerts: [Entry] { all.filter { $0.level == .critical && $0.metadata["alert"] == "true" } }

    func lines(containing text: String) -> [Entry] { all.filter { $0.message.contains(text) } }

    fileprivate func record(_ entry: Entry) { entries.withLock { $0.append(entry) } }
}

private struct RecordingLogHandler: LogHandler {
    let recorder: LogRecorder
    var printer: StreamLogHandler
    var logLevel: Logger.Level
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let merged = metadata.merging(event.metadata ?? [:]) { _, new in new }
        recorder.record(.init(level: event.level, message: "\(event.message)", metadata: merged.mapValues { "\($0)" }))
        if event.level >= printer.logLevel { printer.log(event: event) }
    }
}

/// Runs a producer while `body` produces requests as the API would (key = sender address).
@discardableResult
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

    /// Produces `request` as the API does (key: its sender); returns where it was stored.
    @discardableResult
    func send(_ request: BroadcastRequest) async throws -> KafkaDeliveryReport {
        try await producer.send(
            topic: Topics.requests, key: Array(request.from.checksummed.utf8), value: Array(try TopicCoding.encoder().encode(request)))
    }

    /// Produces any bytes, as someone with access to the topic could.
    @discardableResult
    func sendRaw(_ value: [UInt8], key: [UInt8]? = nil) async throws -> KafkaDeliveryReport {
        try await producer.send(topic: Topics.requests, key: key, value: value)
    }
}

/// Every message of the dead-letter topic, from its beginning, once there are `count` of them
/// (more may follow).
func deadLetters(_ broker: TansuBroker, count: Int, timeout: Duration = .seconds(60)) async throws -> [KafkaMessage] {
    let consumer = try KafkaConsumer(
        configuration: KafkaConsumerConfiguration(
            bootstrapServers: broker.bootstrapServers, groupID: "dead-letter-reader-\(UUID())", topics: [Topics.deadLetter],
            sessionTimeout: .seconds(2)),
        offsetSource: FromTheBeginning(), logger: testLogger)
    return try await withThrowingTaskGroup(of: [KafkaMessage]?.self) { group in
        group.addTask {
            try await consumer.run()
            return nil
        }
        group.addTask {
            try await Task.sleep(for: timeout)
            throw HarnessError("timed out waiting for \(count) dead letters")
        }
        group.addTask {
            var seen: [KafkaMessage] = []
            for await event in consumer.events {
                if case .message(let message) = event { seen.append(message) }
                if seen.count >= count { break }
            }
            return seen
        }
        defer { group.cancelAll() }
        while let ended = try await group.next() {
            if let seen = ended, seen.count >= count { return seen }
        }
        throw HarnessError("the dead-letter reader ended early")
    }
}

/// Starts every partition at offset 0.
struct FromTheBeginning: KafkaOffsetSource {
    func startingOffsets(topic: String, partitions: [Int32]) throws -> [Int32: Int64] {
        Dictionary(uniqueKeysWithValues: partitions.map { ($0, 0) })
    }
}

extension KafkaMessage {
    /// The value of header `key` as text; nil if absent.
    func header(_ key: String) -> String? {
        headers.first { $0.key == key }.map { String(decoding: $0.value, as: UTF8.self) }
    }
}

/// GETs `url`; the status and the body as text.
func get(_ url: String) async throws -> (status: Int, body: String) {
    let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: url), timeout: .seconds(10))
    let body = try await response.body.collect(upTo: 4 * 1024 * 1024)
    return (Int(response.status.code), String(buffer: body))
}

/// Runs `body` while another connection holds the write lock of the store file at `path`, as
/// another process in the middle of a long write would.
@discardableResult
func holdingTheWriteLock<T>(of path: String, for duration: Duration, _ body: () async throws -> T) async throws -> T {
    var configuration = Configuration()
    configuration.allowsUnsafeTransactions = true  // the transaction outlives one access on purpose
    // A running worker writes often (confirmations, lanes, leases); wait for its short
    // transaction to end rather than failing to take the lock.
    configuration.busyMode = .timeout(30)
    let holder = try DatabaseQueue(path: path, configuration: configuration)
    try await holder.writeWithoutTransaction { try $0.execute(sql: "BEGIN IMMEDIATE") }
    let result: T
    do {
        result = try await body()
        try await Task.sleep(for: duration)
    } catch {
        try? await holder.writeWithoutTransaction { try $0.execute(sql: "ROLLBACK") }
        throw error
    }
    try await holder.writeWithoutTransaction { try $0.execute(sql: "ROLLBACK") }
    return result
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

/// The stored requests `ids` once every one of them satisfies `done`; the timeout's error says
/// where each one stands.
func storedRequests(
    _ ids: [RequestID], in store: SQLiteStatusStore, timeout: Duration = .seconds(30),
    where done: @escaping (StoredRequest) -> Bool
) async throws -> [StoredRequest] {
    let deadline = ContinuousClock.now + timeout
    while true {
        var found: [StoredRequest] = []
        var waiting: [String] = []
        for id in ids {
            if let stored = try await store.request(id) {
                if done(stored) { found.append(stored) } else {
                    waiting.append("\(id): \(stored.status) (\(stored.lifecycle.reason ?? "no error"))")
                }
            } else {
                waiting.append("\(id): not stored")
            }
        }
        if waiting.isEmpty { return found }
        guard ContinuousClock.now < deadline else {
            throw HarnessError("timed out waiting for \(waiting.count) of \(ids.count) requests: \(waiting.prefix(5).joined(separator: "; "))")
        }
        try await Task.sleep(for: .milliseconds(100))
    }
}

/// The stored request `id` once it satisfies `done`.
func storedRequest(
    _ id: RequestID, in store: SQLiteStatusStore, timeout: Duration = .seconds(30),
    where done: @escaping (StoredRequest) -> Bool
) async throws -> StoredRequest {
    try await storedRequests([id], in: store, timeout: timeout, where: done)[0]
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
/// the status events of `id` seen until one was final. Call it inside `whileWorkerRuns`: the
/// worker's outbox publisher must still run after `body` to publish the last change.
func watchingResults<T: Sendable>(
    _ broker: TansuBroker, for id: RequestID, timeout: Duration = .seconds(30), _ body: @escaping @Sendable () async throws -> T
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
        group.addTask {
            try await Task.sleep(for: timeout)
            throw HarnessError("the final status event of \(id) did not reach the results topic within \(timeout)")
        }
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

/// The suites of this target that start a local chain, a broker and a worker nest in this one
/// and run one test at a time: the build machine has two cores.
@Suite("Pipeline on the local chain", .serialized)
struct OnChain {}

/// A fresh local chain, broker (with ``Topics/all``) and workspace for one worker test.
struct Ground: Sendable {
    let chain: DevChain
    let broker: TansuBroker
    let workspace: Workspace
    let store: SQLiteStatusStore

    /// ``workerConfiguration(broker:rpcURL:workspace:retry:gasLimit:callTimeout:)`` for this
    /// ground, against the chain itself unless `rpcURL` says otherwise, then `change`d.
    func configuration(
        rpcURL: String? = nil, retry: RetryPolicy = quickRetry, callTimeout: Duration = .seconds(5),
        _ change: (inout BroadcasterConfiguration) throws -> Void = { _ in }
    ) throws -> BroadcasterConfiguration {
        var configuration = try workerConfiguration(
            broker: broker, rpcURL: rpcURL ?? chain.url, workspace: workspace, retry: retry, callTimeout: callTimeout)
        try change(&configuration)
        return configuration
    }

    /// Produces `requests` as the API would, in order.
    func produce(_ requests: BroadcastRequest...) async throws {
        try await produce(requests)
    }

    func produce(_ requests: [BroadcastRequest]) async throws {
        try await withRequestProducer(broker) { producer in
            for request in requests { try await producer.send(request) }
        }
    }

    /// The stored request `id` once it satisfies `done`; waits 60 s by default, for a loaded
    /// machine (a wait, not a measure: it returns as soon as `done` holds).
    func request(_ id: RequestID, timeout: Duration = .seconds(60), where done: @escaping (StoredRequest) -> Bool) async throws
        -> StoredRequest
    {
        try await storedRequest(id, in: store, timeout: timeout, where: done)
    }
}

/// Runs `body` on a fresh ground: a chain mining a block every `blockTime` seconds (3600: only
/// on command, `chain.mine()`), a broker, a workspace.
func withGround<T: Sendable>(blockTime: Double, _ body: (Ground) async throws -> T) async throws -> T {
    try await withDevChain(blockTime: blockTime) { chain throws in
        try await withTansu(topics: Topics.all) { broker in
            try await Workspace.with { workspace in
                try await body(Ground(chain: chain, broker: broker, workspace: workspace, store: try workspace.openStore()))
            }
        }
    }
}
