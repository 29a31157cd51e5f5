import ABI
import API
import BroadcastModel
import BroadcasterConfig
import EVMKeys
import EVMPrimitives
import Foundation
import Hummingbird
import HummingbirdTesting
import Kafka
import Lifecycle
import KafkaTestSupport
import Logging
import SQLiteStore
import StatusStore
import Testing

/// A real API on a real Tansu broker and a real SQLite file, as `broadcaster api` builds it.
struct APIHarness {
    static let requestsTopic = "broadcaster.requests"
    static let resultsTopic = "broadcaster.results"
    static let devSender = try! Address("0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf")
    static let devContract = try! Address("0x5FbDB2315678afecb367f032d93F642f64180aa3")
    /// The mission's example request.
    static let missionData = "0xd71363280000000000000000000000005eb715d601c2f27f83cb554b6b36e047822fb70a00000000000000000000000000000000000000000000000000000000000000fa"
    static let missionBody = #"{"message_type": "add_weight(address _addr, uint256 _weight)", "data": "\#(missionData)"}"#

    let broker: TansuBroker
    let store: SQLiteStatusStore
    /// The store's file, which a worker of the same test shares.
    let storePath: String
    let configuration: BroadcasterConfiguration
    let dependencies: APIDependencies

    static var logger: Logger {
        var logger = Logger(label: "api-tests")
        logger.logLevel = .warning
        return logger
    }

    /// The test configuration: the dev message type, a 2 s produce timeout, port 0.
    static func configuration(broker: TansuBroker, adjust: (inout BroadcasterConfiguration) -> Void = { _ in }) throws -> BroadcasterConfiguration {
        var configuration = BroadcasterConfiguration()
        configuration.kafka.brokers = broker.bootstrapServers
        configuration.kafka.produceTimeout = .seconds(2)
        configuration.api.port = 0
        configuration.api.maxBodyBytes = 1024
        configuration.api.maxWait = .seconds(30)
        configuration.signers = ["dev": .hexFile(path: "Config/dev-keys/dev.key")]
        configuration.signerAddresses = ["dev": devSender]
        configuration.messageTypes = [
            MessageTypeSettings(
                name: "add_weight", signature: try FunctionSignature(parsing: "add_weight(address _addr, uint256 _weight)"),
                contract: devContract, signers: ["dev"], selectorRule: .pinned(try Selector(hex: "0xd7136328")))
        ]
        adjust(&configuration)
        return configuration
    }

    /// Runs `body` against a fresh broker, store and application.
    static func run<T>(
        adjust: (inout BroadcasterConfiguration) -> Void = { _ in },
        _ body: @escaping @Sendable (APIHarness, any TestClientProtocol) async throws -> T
    ) async throws -> T where T: Sendable {
        try await withTansu(topics: [requestsTopic: 3, resultsTopic: 2]) { broker in
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("api-tests-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: directory) }
            let storePath = directory.appendingPathComponent("status.sqlite").path
            let store = try SQLiteStatusStore(path: storePath)
            let configuration = try Self.configuration(broker: broker, adjust: adjust)
            let dependencies = try APIDependencies.kafka(configuration: configuration, store: store, logger: logger)
            let harness = APIHarness(
                broker: broker, store: store, storePath: storePath, configuration: configuration, dependencies: dependencies)
            let app = buildApplication(configuration: configuration, dependencies: dependencies)
            return try await app.test(.router) { client in
                try await body(harness, client)
            }
        }
    }

    /// Reads `topic` from its end while `body` runs; `body` gets the tail once it is positioned.
    func withTail<T: Sendable>(
        _ topic: String, _ body: @escaping @Sendable (KafkaTopicTail) async throws -> T
    ) async throws -> T {
        let tail = try KafkaTopicTail(bootstrapServers: broker.bootstrapServers, topic: topic, logger: Self.logger)
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask {
                try await tail.run()
                return nil
            }
            guard await tail.waitUntilPositioned() else { throw TailNotPositioned(topic: topic) }
            let result = try await body(tail)
            group.cancelAll()
            return result
        }
    }
}

extension TestClientProtocol {
    /// POST /transaction/broadcast with a JSON body and the given extra headers.
    func broadcast(_ body: String, headers: HTTPFields = [:], contentType: String? = "application/json") async throws -> TestResponse {
        var fields = headers
        if let contentType { fields[.contentType] = contentType }
        return try await execute(uri: "/transaction/broadcast", method: .post, headers: fields, body: ByteBuffer(string: body))
    }
}

extension TestResponse {
    var text: String { String(buffer: body) }

    func json() throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any])
    }

    /// The `id` of a successful answer.
    func requestID() throws -> RequestID {
        let text = try #require(try json()["id"] as? String)
        return try #require(RequestID(text))
    }

    /// The `error` object every error answer carries.
    func error() throws -> (code: String, reason: String) {
        let error = try #require(try json()["error"] as? [String: Any])
        return (try #require(error["code"] as? String), try #require(error["reason"] as? String))
    }
}

/// Decodes the messages of the requests topic.
func decodeRequest(_ message: KafkaMessage) throws -> BroadcastRequest {
    try TopicCoding.decoder().decode(BroadcastRequest.self, from: Data(message.value))
}

struct TailNotPositioned: Error, CustomStringConvertible {
    let topic: String
    var description: String { "the tail of \(topic) was never positioned" }
}

/// Hummingbird has a `RequestID` of its own; ours names a broadcast request.
typealias RequestID = BroadcastModel.RequestID

extension SQLiteStatusStore {
    /// Stores `request` as a worker would (under its sender's lease, signed with made-up bytes
    /// `raw` whose hash is `hash`), then applies `events` to its lifecycle and stores that too:
    /// for API tests that need a stored request without running a worker.
    func storeAsWorker(
        _ request: BroadcastRequest, raw: [UInt8], hash: TxHash, events: [LifecycleEvent] = [],
        attempts: [BroadcastAttempt] = []
    ) async throws {
        let fence = try #require(try await acquireLease(sender: request.from, owner: "api-tests", length: .seconds(3600)).fence)
        let version = TransactionVersion(
            number: 1, kind: .original, hash: hash, raw: raw,
            fees: FeeCaps(maxFeePerGas: .gwei(20), maxPriorityFeePerGas: .gwei(1)), signedAt: Date())
        let results = try await intake(
            [ConsumedMessage(request: request, position: ConsumedPosition(group: "g", topic: APIHarness.requestsTopic, partition: 0, offset: 0))],
            fences: [request.from: fence], retryDeadline: .seconds(600)
        ) { _, _ in version }
        guard case .new(let stored) = results.first else {
            throw HarnessError("the store did not take request \(request.id): \(results)")
        }
        var lifecycle = RequestLifecycle(state: stored.lifecycle, policy: LifecyclePolicy(fees: FeePolicy(minTip: .zero, maxTip: .gwei(5), ceiling: .gwei(100))))
        var random = SystemRandomNumberGenerator()
        for event in events { lifecycle.apply(event, at: Date(), random: &random) }
        try await save([lifecycle.state], attempts: attempts, fence: fence)
        try await releaseLease(fence)
    }
}
