import ABI
import AdminActions
import Admission
import BroadcastModel
import BroadcasterConfig
import ChainRPC
import DevChainSupport
import EVMKeys
import EVMPrimitives
import EVMSigning
import Foundation
import Kafka
import KafkaTestSupport
import Lifecycle
import Logging
import RequestTopic
import SQLiteStore
import StatusStore
import ServiceLifecycle
import Synchronization
import Testing

/// A retry desk on the real parts: a status store in an SQLite file, the devchain node, a Tansu
/// broker and a Kafka producer, with the requests topic read back.
struct RetryHarness: Sendable {
    static let topic = "broadcaster.requests"
    static let senderKey = try! PrivateKey(hex: "0x" + String(repeating: "0", count: 63) + "1")
    static var sender: Address { senderKey.address }
    static let recipient = try! Address("0x2B5AD5c4795c026514f8317c7a215E218DcCD6cF")
    static let contract = try! Address("0x5eb715d601c2f27f83cb554b6b36e047822fb70a")
    static let missionCalldata = try! Calldata(
        hex: "0xd71363280000000000000000000000005eb715d601c2f27f83cb554b6b36e047822fb70a"
            + "00000000000000000000000000000000000000000000000000000000000000fa")

    let store: SQLiteStatusStore
    let storePath: String
    /// The devchain node's URL, for a proxy in front of it.
    let nodeURL: String
    let chain: ChainRPCClient
    let broker: TansuBroker
    let producer: KafkaProducer
    let fence: LeaseFence

    static var logger: Logger {
        var logger = Logger(label: "admin-actions-tests")
        logger.logLevel = .warning
        return logger
    }

    static var configuration: BroadcasterConfiguration {
        var configuration = BroadcasterConfiguration()
        configuration.signers = ["dev": .hexFile(path: "/nonexistent")]
        configuration.signerAddresses = ["dev": sender]
        configuration.messageTypes = [
            MessageTypeSettings(
                name: "add_weight", signature: try! FunctionSignature(parsing: "add_weight(address _addr, uint256 _weight)"),
                contract: contract, signers: ["dev"], selectorRule: .pinned(try! Selector(hex: "0xd7136328")))
        ]
        return configuration
    }

    /// A desk over this harness's parts, as one admin process builds it.
    func desk(chain: ChainRPCClient? = nil, chainCallTimeout: Duration = .seconds(30), now: @escaping @Sendable () -> Date = Date.init) -> RetryDesk {
        RetryDesk(
            store: store, chain: chain ?? self.chain, chainCallTimeout: chainCallTimeout, admission: Admission(configuration: Self.configuration),
            producer: RequestProducer(sender: producer, topic: Self.topic), logger: Self.logger, now: now)
    }

    /// Runs `body` with fresh parts; the producer runs meanwhile.
    static func run(_ body: @escaping @Sendable (RetryHarness) async throws -> Void) async throws {
        try await withDevChain { node in
            try await withChainRPCClient(endpoints: [node.url], callTimeout: .seconds(30)) { client in
                try await withTansu(topics: [topic: 1]) { broker in
                    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("admin-actions-\(UUID().uuidString)")
                    defer { try? FileManager.default.removeItem(at: directory) }
                    let storePath = directory.appendingPathComponent("status.sqlite").path
                    let store = try SQLiteStatusStore(path: storePath)
                    let acquisition = try await store.acquireLease(sender: sender, owner: "test-worker", length: .seconds(3600))
                    let fence = try #require(acquisition.fence)
                    let producer = try KafkaProducer(
                        configuration: KafkaProducerConfiguration(bootstrapServers: broker.bootstrapServers, deliveryTimeout: .seconds(3)),
                        logger: logger)
                    let harness = RetryHarness(store: store, storePath: storePath, nodeURL: node.url, chain: client, broker: broker, producer: producer, fence: fence)
                    try await whileRunning([producer]) { try await body(harness) }
                }
            }
        }
    }

    // MARK: The chain

    /// Sends `count` transfers from the sender and waits until each is mined: the chain's
    /// mined count of the sender grows by `count`. Returns them.
    @discardableResult
    func mineTransfers(_ count: Int) async throws -> [SignedTransaction] {
        var sent: [SignedTransaction] = []
        for _ in 0..<count { sent.append(try await mine(to: Self.recipient, value: Wei(1), gas: Gas(21_000))) }
        return sent
    }

    /// Signs and sends one transaction of the sender, and waits for its receipt.
    @discardableResult
    func mine(to: Address?, value: Wei = .zero, data: Calldata = .empty, gas: Gas) async throws -> SignedTransaction {
        let nonce = try await chain.transactionCount(of: Self.sender, at: .pending)
        // Far above the devchain's base fee, which starts at 1 gwei and barely moves.
        let signed = try Signer(key: Self.senderKey).sign(
            .eip1559(EIP1559Transaction(
                chainID: try await chain.chainID(), nonce: nonce, maxPriorityFeePerGas: .gwei(2), maxFeePerGas: .gwei(200), gas: gas,
                to: to, value: value, data: data)))
        #expect(try await chain.sendRawTransaction(signed.raw) == signed.hash)
        _ = try await receipt(signed.hash)
        return signed
    }

    /// A contract whose every call reverts (runtime code PUSH1 0 PUSH1 0 REVERT), deployed by the sender.
    func deployReverter() async throws -> Address {
        // Init code: store the 5 runtime bytes in memory and return them.
        let initCode = try Calldata(hex: "0x6460006000fd600052600560" + "1bf3")
        let deployment = try await mine(to: nil, data: initCode, gas: Gas(100_000))
        return try #require(try await receipt(deployment.hash)?.contractAddress)
    }

    func receipt(_ hash: TxHash) async throws -> TransactionReceipt? {
        for _ in 0..<400 {
            if let receipt = try await chain.transactionReceipt(hash) { return receipt }
            try await Task.sleep(for: .milliseconds(50))
        }
        Issue.record("no receipt for \(hash)")
        return nil
    }

    // MARK: The store

    static func request(id: RequestID = RequestID()) -> BroadcastRequest {
        BroadcastRequest(
            id: id, messageType: "add_weight(address _addr, uint256 _weight)", function: "add_weight(address,uint256)",
            data: missionCalldata, to: contract, from: sender, acceptedAt: Date())
    }

    /// Stores a request at `nonce` (nonces must be taken in ascending order) whose original
    /// version is `signed` (a real transaction) or a stand-in no node ever saw, and takes it to
    /// `status` as the worker would have recorded it.
    @discardableResult
    func storeRequest(
        nonce: UInt64, status: TransactionStatus, signed: SignedTransaction? = nil, cancellation: SignedTransaction? = nil, offset: Int64? = nil
    ) async throws -> StoredRequest {
        let request = Self.request()
        _ = try await store.reconcileNonce(fence, chainPending: Nonce(nonce))
        let version: TransactionVersion
        if let signed {
            version = TransactionVersion(
                number: 1, kind: .original, hash: signed.hash, raw: signed.raw,
                fees: FeeCaps(maxFeePerGas: .gwei(30), maxPriorityFeePerGas: .gwei(1)), signedAt: Date())
        } else {
            let raw = [0x02] + Array("stand-in \(request.id) \(nonce)".utf8)
            version = TransactionVersion(
                number: 1, kind: .original, hash: try TxHash(bytes: Keccak256.hash(raw)), raw: raw,
                fees: FeeCaps(maxFeePerGas: .gwei(30), maxPriorityFeePerGas: .gwei(1)), signedAt: Date())
        }
        let position = ConsumedPosition(group: "workers", topic: Self.topic, partition: 0, offset: offset ?? Int64(nonce))
        let results = try await store.intake(
            [ConsumedMessage(request: request, position: position)], fences: [Self.sender: fence], retryDeadline: .seconds(600),
            sign: { _, _ in version })
        let stored = try #require(results.first.flatMap { result -> StoredRequest? in
            if case .new(let stored) = result { return stored }
            return nil
        }, "\(results)")
        #expect(stored.lifecycle.nonce == Nonce(nonce))
        var later: [TransactionVersion] = []
        if let cancellation {
            later.append(TransactionVersion(
                number: 2, kind: .cancellation, hash: cancellation.hash, raw: cancellation.raw,
                fees: FeeCaps(maxFeePerGas: .gwei(40), maxPriorityFeePerGas: .gwei(2)), signedAt: Date()))
        }
        try await move(stored, to: status, signing: later)
        return try #require(try await store.request(stored.id))
    }

    /// Records `status` for a stored request, as a worker's lifecycle reaches it.
    func move(_ stored: StoredRequest, to status: TransactionStatus, signing later: [TransactionVersion] = []) async throws {
        let accepted = LifecycleEvent.sent(version: 1, .accepted, head: BlockNumber(1))
        let inclusion = Inclusion(
            hash: stored.lifecycle.original.hash, block: BlockNumber(2), blockHash: BlockHash(bytes: [UInt8](repeating: 7, count: 32))!,
            succeeded: status != .reverted, gasUsed: Gas(21_000), effectiveGasPrice: .gwei(1))
        let events: [LifecycleEvent] = later.map { .signed($0) } + {
            switch status {
            case .signed, .accepted: []
            case .submitted: [accepted]
            case .confirmed, .reverted: [accepted, .included(inclusion), .head(BlockNumber(100))]
            case .failed: [accepted, .settled(.takenByOther)]
            default: [accepted]
            }
        }()
        guard !events.isEmpty else { return }
        var lifecycle = RequestLifecycle(state: stored.lifecycle, policy: Self.policy)
        var random = SystemRandomNumberGenerator()
        for event in events { lifecycle.apply(event, at: Date(), random: &random) }
        #expect(lifecycle.state.status == status)
        try await store.save([lifecycle.state], attempts: [], fence: fence)
    }

    static let policy = LifecyclePolicy(confirmations: 2, fees: FeePolicy(minTip: .gwei(1), maxTip: .gwei(5), ceiling: .gwei(500)))

    // MARK: The topic

    /// Reads the requests topic from its end while `body` runs, and returns what `body`
    /// returns with every request produced meanwhile (read until the topic is quiet for `quiet`).
    func readingTopic<T: Sendable>(
        quiet: Duration = .seconds(3), _ body: @escaping @Sendable () async throws -> T
    ) async throws -> (T, [BroadcastRequest]) {
        let tail = try KafkaTopicTail(bootstrapServers: broker.bootstrapServers, topic: Self.topic, logger: Self.logger)
        let read = Collected<BroadcastRequest>()
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await tail.run() }
            group.addTask {
                for await message in tail.messages {
                    read.append(try TopicCoding.decoder().decode(BroadcastRequest.self, from: Data(message.value)))
                }
            }
            guard await tail.waitUntilPositioned() else {
                group.cancelAll()
                throw TopicNotRead()
            }
            let result = try await body()
            var seen = -1
            while seen != read.all.count {
                seen = read.all.count
                try await Task.sleep(for: quiet)
            }
            group.cancelAll()
            return (result, read.all)
        }
    }
}

struct TopicNotRead: Error {}

/// Values collected from concurrent tasks.
final class Collected<Value: Sendable>: Sendable {
    private let values = Mutex<[Value]>([])

    func append(_ value: Value) { values.withLock { $0.append(value) } }
    var all: [Value] { values.withLock { $0 } }
}

/// Runs `body` while each service runs in a child task, then cancels them.
func whileRunning<R: Sendable>(_ services: [any Service], _ body: () async throws -> R) async throws -> R {
    try await withThrowingTaskGroup(of: Void.self) { group in
        for service in services { group.addTask { try await service.run() } }
        do {
            let result = try await body()
            group.cancelAll()
            try await group.waitForAll()
            return result
        } catch {
            group.cancelAll()
            try? await group.waitForAll()
            throw error
        }
    }
}

extension RetryVerdict {
    var refusal: RetryRefusal.Reason? {
        if case .refused(let refusal) = self { return refusal.reason }
        return nil
    }
}

extension Result {
    var failure: Failure? {
        if case .failure(let failure) = self { return failure }
        return nil
    }
}
