import API
import BroadcastModel
import BroadcasterConfig
import ChainRPC
import DevChainSupport
import EVMKeys
import EVMPrimitives
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Kafka
import KafkaTestSupport
import Lifecycle
import Logging
import Pipeline
import SQLiteStore
import StatusStore
import Testing

/// The API with a real worker (`Worker.run`, in this process) on the same broker and store, and
/// the local chain: what a caller sees is what the worker did on chain.
@Suite("API with a real worker", .serialized)
struct RealWorkerTests {
    static let prefer = HTTPField.Name("Prefer")!
    static let idempotencyKey = HTTPField.Name("Idempotency-Key")!

    /// The mission's call with another weight, so that each test's request has calldata of its own.
    static func body(weight: UInt8) -> (json: String, data: Calldata) {
        let hex = String(APIHarness.missionData.dropLast(2)) + String(format: "%02x", weight)
        return (#"{"message_type": "add_weight(address _addr, uint256 _weight)", "data": "\#(hex)"}"#, try! Calldata(hex: hex))
    }

    @Test("Prefer: wait answers 202 with the current status at its deadline, and 200 with the transaction once a node holds it")
    func preferWaitWithARealWorker() async throws {
        try await withDevChain { chain in
            // The mission's slow node: every call answered, after 4-6 s.
            let slow = FlakyProxy.Options(seed: 7, timeScale: 5, pSilent: 0, pError: 0, latencyMin: 20, latencyMax: 30)
            try await withFlakyProxy(upstream: chain.url, options: slow) { node in
                try await APIHarness.run { harness, client in
                    let tail = try #require(harness.dependencies.resultsTail)
                    #expect(await tail.waitUntilPositioned())
                    try await whileWorkerRuns(harness.workerConfiguration(rpcURL: node.url, callTimeout: .seconds(20))) {
                        try await waitUntilTheWorkerTakesRequests(harness, client)

                        let pending = try await client.broadcast(Self.body(weight: 1).json, headers: [Self.prefer: "wait=1"])
                        #expect(pending.status == .accepted, "\(pending.text)")
                        #expect(pending.headers[HTTPField.Name("Preference-Applied")!] == "wait=1")
                        let pendingStatus = try #require(try pending.json()["status"] as? String)
                        #expect(["accepted", "signed"].contains(pendingStatus), "\(pending.text)")

                        let (json, data) = Self.body(weight: 2)
                        let done = try await client.broadcast(json, headers: [Self.prefer: "wait=30"])
                        #expect(done.status == .ok, "\(done.text)")
                        #expect(done.headers[HTTPField.Name("Preference-Applied")!] == "wait=30")
                        let answer = try done.json()
                        // 200 once a node holds it: submitted, or already further.
                        #expect(["submitted", "mined", "confirmed"].contains(answer["status"] as? String ?? ""), "\(done.text)")
                        let hash = try TxHash(try #require(answer["hash"] as? String))

                        // The chain holds what the answer says.
                        try await withChainRPCClient(endpoints: [chain.url]) { rpc in
                            let transaction = try #require(try await rpc.transaction(hash), "the node does not know \(hash)")
                            #expect(transaction.input == data)
                            #expect(transaction.from == APIHarness.devSender)
                            #expect(transaction.to == APIHarness.devContract)
                        }
                    }
                }
            }
        }
    }

    @Test("a 503 may still be queued: the retry with the same Idempotency-Key is one transaction on chain")
    func retryAfterA503IsOneTransaction() async throws {
        // Blocks keep coming, empty ones too, as on a real chain: the last request needs
        // blocks after its own to be confirmed.
        try await withDevChain(blockTime: 0.5) { chain in
            try await APIHarness.run { harness, client in
                try await harness.withTail(APIHarness.requestsTopic) { requests in
                    // Connections up and a producer id taken, so that the frozen broker's socket
                    // takes the next produce request.
                    #expect(try await client.broadcast(APIHarness.missionBody).status == .ok)

                    let (json, data) = Self.body(weight: 3)
                    let key: HTTPFields = [Self.idempotencyKey: "retry-after-503-\(UUID().uuidString)"]
                    let broker = harness.broker
                    try await broker.freeze()
                    let refused: TestResponse
                    do {
                        refused = try await client.broadcast(json, headers: key)
                        broker.thaw()
                    } catch {
                        broker.thaw()
                        throw error
                    }
                    #expect(refused.status == .serviceUnavailable, "\(refused.text)")
                    let refusal = try refused.error()
                    #expect(refusal.code == "not_acknowledged")
                    #expect(refusal.reason.contains("may or may not be queued") && refusal.reason.contains("same Idempotency-Key"))

                    // Retry with the key until the producer is back: every answer names one request.
                    var accepted: RequestID?
                    let deadline = ContinuousClock.now + .seconds(60)
                    while accepted == nil, ContinuousClock.now < deadline {
                        let retry = try await client.broadcast(json, headers: key)
                        if retry.status == .ok { accepted = try retry.requestID() } else {
                            #expect(retry.status == .serviceUnavailable, "\(retry.text)")
                            try await Task.sleep(for: .milliseconds(500))
                        }
                    }
                    let id = try #require(accepted, "the retry was never accepted")
                    let sentinel = try await client.broadcast(APIHarness.missionBody).requestID()

                    // One sender, so one partition: everything before the sentinel is in order.
                    var copies = 0
                    var iterator = requests.messages.makeAsyncIterator()
                    while let message = await iterator.next() {
                        guard let request = try? decodeRequest(message) else { continue }
                        if request.id == id { copies += 1 }
                        if request.id == sentinel { break }
                    }
                    // The frozen broker took the timed-out produce into its socket and wrote it on
                    // waking: the 503'd attempt is queued too, which is what a 503 must admit.
                    #expect(copies == 2, "request \(id) is on the requests topic \(copies) time(s), not the 503'd attempt and the retry")

                    try await whileWorkerRuns(harness.workerConfiguration(rpcURL: chain.url)) {
                        let record = try await waitForFinal(id, in: harness.store, timeout: .seconds(90))
                        #expect(record.status == .confirmed, "\(record.lifecycle.reason ?? "")")
                        try await withChainRPCClient(endpoints: [chain.url]) { rpc in
                            let carrying = try await transactions(on: rpc, withInput: data, mined: record.lifecycle.currentHash)
                            #expect(carrying == 1, "\(carrying) transactions on chain carry the retried calldata")
                        }
                    }
                }
            }
        }
    }

    /// Posts a request and waits until the worker has stored it: it is in the group and consuming.
    private func waitUntilTheWorkerTakesRequests(_ harness: APIHarness, _ client: some TestClientProtocol) async throws {
        let id = try await client.broadcast(Self.body(weight: 9).json).requestID()
        let deadline = ContinuousClock.now + .seconds(90)
        while try await harness.store.request(id) == nil {
            guard ContinuousClock.now < deadline else { throw HarnessError("the worker did not take a request within 90 s") }
            try await Task.sleep(for: .milliseconds(200))
        }
    }

    private func waitForFinal(_ id: RequestID, in store: SQLiteStatusStore, timeout: Duration) async throws -> StoredRequest {
        let deadline = ContinuousClock.now + timeout
        while true {
            let record = try await store.request(id)
            if let record, record.status.isFinal { return record }
            guard ContinuousClock.now < deadline else {
                throw HarnessError("request \(id) did not finish within \(timeout): \(record.map { "\($0.status)" } ?? "not stored")")
            }
            try await Task.sleep(for: .milliseconds(200))
        }
    }

    /// How many transactions in the chain's blocks carry `input`, once `hash` is mined.
    private func transactions(on rpc: ChainRPCClient, withInput input: Calldata, mined hash: TxHash) async throws -> Int {
        let deadline = ContinuousClock.now + .seconds(30)
        while try await rpc.transactionReceipt(hash) == nil {
            guard ContinuousClock.now < deadline else { throw HarnessError("\(hash) was not mined within 30 s") }
            try await Task.sleep(for: .milliseconds(200))
        }
        var count = 0
        let latest = try await rpc.blockNumber()
        for number in 0...latest.value {
            guard let block = try await rpc.block(.number(BlockNumber(number))) else { continue }
            for transaction in block.transactions where try await rpc.transaction(transaction)?.input == input {
                count += 1
            }
        }
        return count
    }
}

extension APIHarness {
    /// A worker's configuration on this harness's broker and store, against `rpcURL`.
    func workerConfiguration(rpcURL: String, callTimeout: Duration = .seconds(10)) throws -> BroadcasterConfiguration {
        var worker = configuration
        worker.rpc.endpoints = [try #require(URL(string: rpcURL))]
        worker.rpc.callTimeout = callTimeout
        worker.store.path = storePath
        worker.kafka.sessionTimeout = .seconds(6)
        // Its health server on a free port: another worker of this host may hold the default.
        worker.worker.port = 0
        worker.signers = ["dev": .hexFile(path: try RepositoryRoot.locate().appendingPathComponent("Config/dev-keys/dev.key").path)]
        worker.retry = RetryPolicy(initialDelay: .milliseconds(200), multiplier: 2, maxDelay: .seconds(2))
        worker.tracking.confirmations = 2
        worker.tracking.pollInterval = .milliseconds(200)
        return worker
    }
}

/// Runs a worker while `body` runs, then cancels it; fails if the worker stops on its own first.
func whileWorkerRuns<T: Sendable>(
    _ configuration: BroadcasterConfiguration, _ body: @escaping @Sendable () async throws -> T
) async throws -> T {
    var logger = Logger(label: "api-tests-worker")
    logger.logLevel = .error
    let workerLogger = logger
    return try await withThrowingTaskGroup(of: WorkerRunEnded<T>.self) { group in
        group.addTask {
            do {
                try await Worker.run(configuration: configuration, logger: workerLogger, gracefulShutdownSignals: [])
                return .worker("returned")
            } catch {
                return .worker("\(error)")
            }
        }
        group.addTask { .body(try await body()) }
        defer { group.cancelAll() }
        switch try await group.next() {
        case .body(let result)?: return result
        case .worker(let how)?: throw HarnessError("the worker stopped before the test was done: \(how)")
        case nil: throw HarnessError("nothing ran")
        }
    }
}

/// What ended first: the test's body, or the worker.
enum WorkerRunEnded<T: Sendable>: Sendable {
    case body(T)
    case worker(String)
}

struct HarnessError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
