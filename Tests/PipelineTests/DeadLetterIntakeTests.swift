import ABI
import Admission
import BroadcastModel
import BroadcasterConfig
import ChainRPC
import DevChainSupport
import EVMPrimitives
import EVMSigning
import Foundation
import Kafka
import Lifecycle
@testable import Pipeline
import SQLiteStore
import StatusStore
import Synchronization
import Testing

/// The worker's intake loop with a dead-letter topic that does not acknowledge for a while:
/// a message is stored as consumed only once its dead letter is acknowledged, so a crash at
/// any moment loses nothing. Real store file, real node (for the nonce), the worker's own
/// decoder and admission, lanes and chain watcher; only the broker's acknowledgement is played
/// by the test.
extension OnChain {
    @Suite("Dead letters before offsets")
    struct DeadLetterIntakeTests {
        @Test func anUnparsableMessageHoldsTheBatchUntilItsDeadLetterIsAcknowledged() async throws {
            let good = Fixtures.request()
            try await withIntake(consumed: [.raw(Array("{not json".utf8)), .request(good)]) { intake in
                try await intake.deadLetterTopic.waitForRefusals(2)
                // The whole batch waits: nothing signed, no offset stored.
                #expect(try intake.storedOffsets() == [:])
                #expect(try await intake.store.request(good.id) == nil)

                intake.deadLetterTopic.comesBack()
                _ = try await eventually("the batch stored") { try intake.storedOffsets() == [0: 2] ? true : nil }
                #expect(try await intake.store.request(good.id)?.lifecycle.nonce == Nonce(0))
                #expect(intake.deadLetterTopic.acknowledged.map(\.reason.code) == ["malformed"])
                #expect(intake.deadLetterTopic.acknowledged.map(\.message.offset) == [0])
                let metrics = intake.metricsText()
                #expect(metrics.contains(#"broadcaster_worker_dead_letters_total{reason="malformed"} 1"#), "\(metrics)")
                #expect(metrics.contains(#"broadcaster_worker_retries_total{stage="dead_letter",class="broker"}"#), "\(metrics)")
            }
        }

        @Test func aRetryOfAnUnknownRequestHoldsItsPartitionUntilItsDeadLetterIsAcknowledged() async throws {
            let first = Fixtures.request()
            let orphan = {
                var orphan = Fixtures.request()
                orphan.retryOf = RequestID()
                return orphan
            }()
            let last = Fixtures.request()
            try await withIntake(consumed: [.request(first), .request(orphan), .request(last)]) { intake in
                try await intake.deadLetterTopic.waitForRefusals(2)
                // The store refused the orphan alone: the others are signed (nonces 0 and 1) and
                // handed to their lane, but the partition's offset stays at the orphan (1).
                #expect(try await intake.store.request(first.id)?.lifecycle.nonce == Nonce(0))
                #expect(try await intake.store.request(last.id)?.lifecycle.nonce == Nonce(1))
                #expect(try await intake.store.request(orphan.id) == nil)
                #expect(try intake.storedOffsets() == [0: 1])

                intake.deadLetterTopic.comesBack()
                _ = try await eventually("the offset to move past the orphan") { try intake.storedOffsets() == [0: 3] ? true : nil }
                let letter = try #require(intake.deadLetterTopic.acknowledged.first)
                #expect(letter.reason.code == "unknown_retry_of")
                #expect(letter.message.offset == 1)
                #expect(letter.headers.contains(KafkaHeader(key: "source_offset", value: Array("1".utf8))))
            }
        }
    }
}

/// A dead-letter topic that refuses every produce until `comesBack()`.
private final class FlakyDeadLetterTopic: Sendable {
    private let state = Mutex<(down: Bool, refusals: Int, acknowledged: [DeadLetter])>((true, 0, []))

    func deliver(_ letter: DeadLetter) throws {
        try state.withLock { state in
            guard !state.down else {
                state.refusals += 1
                throw KafkaError(.broker, "the test's dead-letter topic is down", isRetriable: true)
            }
            state.acknowledged.append(letter)
        }
    }

    func comesBack() { state.withLock { $0.down = false } }
    var acknowledged: [DeadLetter] { state.withLock { $0.acknowledged } }

    func waitForRefusals(_ count: Int) async throws {
        _ = try await eventually("\(count) refused dead letters") { state.withLock { $0.refusals >= count } ? true : nil }
    }
}

private enum Consumed {
    case raw([UInt8])
    case request(BroadcastRequest)
}

private final class RunningIntake: Sendable {
    let store: SQLiteStatusStore
    let buffer: EventBuffer<KafkaConsumerEvent>
    let deadLetterTopic: FlakyDeadLetterTopic
    let metrics: WorkerMetrics
    private let offsets = Mutex<Int64>(0)

    init(store: SQLiteStatusStore, buffer: EventBuffer<KafkaConsumerEvent>, deadLetterTopic: FlakyDeadLetterTopic, metrics: WorkerMetrics) {
        self.store = store
        self.buffer = buffer
        self.deadLetterTopic = deadLetterTopic
        self.metrics = metrics
    }

    /// Appends messages at the next offsets of partition 0.
    func consume(_ messages: [Consumed]) async {
        for message in messages {
            let offset = offsets.withLock { offset in
                defer { offset += 1 }
                return offset
            }
            let value: [UInt8] =
                switch message {
                case .raw(let bytes): bytes
                case .request(let request): Array(try! TopicCoding.encoder().encode(request))
                }
            _ = await buffer.append(
                .message(
                    KafkaMessage(
                        topic: Topics.requests, partition: 0, offset: offset, key: Array(Fixtures.sender.checksummed.utf8),
                        value: value)))
        }
    }

    func storedOffsets() throws -> [Int32: Int64] {
        try store.startingOffsets(group: "broadcaster-workers", topic: Topics.requests, partitions: [0])
    }

    func metricsText() -> String { String(decoding: metrics.exposition(), as: UTF8.self) }
}

/// Runs the worker's intake loop on a fresh store file, with its lane supervisor and chain
/// watcher against the local node (for the leases, the fees and the nonces), while `body` runs.
/// `consumed` is in the buffer before the loop starts, so the loop takes it as one batch.
private func withIntake(
    consumed: [Consumed], _ body: @escaping @Sendable (RunningIntake) async throws -> Void
) async throws {
    try await withDevChain(blockTime: 0.5) { chain throws in
        try await withChainRPCClient(endpoints: [chain.url]) { node in
            try await Workspace.with { workspace in
                var configuration = BroadcasterConfiguration()
                configuration.signerAddresses = ["dev": Fixtures.sender]
                configuration.messageTypes = [
                    MessageTypeSettings(
                        name: "add_weight", signature: try FunctionSignature(parsing: "add_weight(address _addr, uint256 _weight)"),
                        contract: Fixtures.contract, signers: ["dev"], gasLimit: Gas(100_000),
                        selectorRule: .pinned(try Selector(hex: "0xd7136328")))
                ]
                let store = try workspace.openStore()
                let metrics = WorkerMetrics()
                let signer = VersionSigner(
                    chainID: try await node.chainID(), signers: [Signer(key: DevKeys.key(1))],
                    gasLimits: ["add_weight(address,uint256)": Gas(100_000)])
                let policy = LifecyclePolicy(
                    confirmations: 2, retry: quickRetry,
                    fees: FeePolicy(minTip: .gwei(1), maxTip: .gwei(5), ceiling: .gwei(500)))
                let effects = LaneEffects(
                    rpc: node, store: store, signer: signer, policy: policy, index: HashIndex(), limiter: CallLimiter(limit: 16),
                    metrics: metrics, logger: testLogger)
                let supervisor = LaneSupervisor(effects: effects, settings: .init(owner: "dead-letter-test", leaseLength: .seconds(10)))
                let watcher = ChainWatcher(
                    rpc: node, observer: supervisor, settings: .init(window: 16, pollInterval: .milliseconds(200)), logger: testLogger)
                let topic = FlakyDeadLetterTopic()
                // As a consumer reports it: partition 0 assigned, then its messages.
                let assignedEvent = KafkaConsumerEvent.assigned([0], topic: Topics.requests)
                let consumerAssignment = ConsumerAssignment()
                consumerAssignment.observe(assignedEvent)
                let loop = IntakeLoop(
                    store: store, decoder: MessageDecoder(signer: signer, admission: Admission(configuration: configuration), group: "broadcaster-workers"),
                    signer: signer, policy: policy, supervisor: supervisor,
                    deadLetters: DeadLetterSender(
                        deliver: { try topic.deliver($0) }, topic: Topics.deadLetter,
                        backoff: RetryPolicy(initialDelay: .milliseconds(50), maxDelay: .milliseconds(100)),
                        metrics: metrics, logger: testLogger),
                    consumerAssignment: consumerAssignment, metrics: metrics, topic: Topics.requests, batchSize: 100, maxUnsent: 100,
                    leaseWaitDelay: .milliseconds(100),
                    storeRetry: BoundedRetry(attempts: 3, backoff: RetryPolicy(initialDelay: .milliseconds(50))), logger: testLogger)
                let buffer = EventBuffer<KafkaConsumerEvent>(capacity: 100)
                _ = await buffer.append(assignedEvent)
                let intake = RunningIntake(store: store, buffer: buffer, deadLetterTopic: topic, metrics: metrics)
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { await supervisor.run() }
                    group.addTask { await watcher.run() }
                    await intake.consume(consumed)
                    group.addTask { try await loop.run(buffer) }
                    defer { group.cancelAll() }
                    try await body(intake)
                    await buffer.finish()
                }
            }
        }
    }
}
