import ABI
import BroadcastModel
import BroadcasterConfig
import ChainRPC
import DevChainSupport
import EVMPrimitives
import Foundation
import Kafka
import KafkaTestSupport
import Pipeline
import StatusStore
import Testing

/// Whole workers against a real broker (Tansu), the local chain and an SQLite file. One at a
/// time: each starts a node, a broker and a worker, and the build machine has two cores.
@Suite("Worker against Tansu and the local chain", .serialized)
struct WorkerTests {
    @Test func missionExampleIsMinedFromTheConfiguredSenderWithThePostedCalldata() async throws {
        try await withDevChain { chain in
            try await withTansu(topics: Topics.all) { broker in
                try await Workspace.with { workspace in
                    let configuration = try workerConfiguration(broker: broker, rpcURL: chain.url, workspace: workspace)
                    let request = Fixtures.request()
                    let (record, events) = try await watchingResults(broker, for: request.id) {
                        try await whileWorkerRuns(configuration) {
                            try await withRequestProducer(broker) { try await $0.send(request) }
                            return try await records([request.id], in: try workspace.openStore()) { $0.status == .broadcast }[0]
                        }
                    }
                    // The results topic tells the API what the store says.
                    let final = try #require(events.last)
                    #expect(final.status == .broadcast)
                    #expect(final.hash == record.hash)
                    #expect(final.rawTransaction.bytes == record.rawTransaction)
                    try await withChainRPCClient(endpoints: [chain.url]) { node in
                        let receipt = try await eventually("the receipt") { try await node.transactionReceipt(record.hash) }
                        #expect(receipt.status == .success)
                        let mined = try #require(try await node.transaction(record.hash))
                        #expect(mined.from == Fixtures.sender)
                        #expect(mined.to == Fixtures.contract)
                        #expect(mined.input == Fixtures.missionCalldata)
                        #expect(mined.nonce == record.nonce)
                        #expect(mined.value == .zero)
                    }
                }
            }
        }
    }

    @Test func duplicateMessagesMakeOneTransactionAndUnusableOnesAreDeadLettered() async throws {
        try await withDevChain { chain in
            try await withTansu(topics: Topics.all) { broker in
                try await Workspace.with { workspace in
                    let configuration = try workerConfiguration(broker: broker, rpcURL: chain.url, workspace: workspace)
                    let request = Fixtures.request()
                    let stranger = {
                        var request = Fixtures.request()
                        request.from = try! Address("0x6813Eb9362372EEF6200f3b1dbC3f819671cBA69")  // dev key 0x…03: no key configured
                        return request
                    }()
                    let store = try workspace.openStore()
                    try await whileWorkerRuns(configuration) {
                        try await withRequestProducer(broker) { producer in
                            try await producer.send(request)
                            try await producer.sendRaw(Array("{not json".utf8))
                            try await producer.send(stranger)
                            try await producer.send(request)
                        }
                        _ = try await records([request.id], in: store) { $0.status == .broadcast }
                        // Once more after it is final: skipped.
                        try await withRequestProducer(broker) { try await $0.send(request) }
                        _ = try await eventually("all five messages to be consumed") {
                            let offsets = try store.startingOffsets(
                                group: configuration.kafka.consumerGroup, topic: Topics.requests, partitions: [0, 1])
                            return offsets.values.reduce(0, +) == 5 ? true : nil
                        }
                    }
                    let strangerRecord = try await store.record(stranger.id)
                    #expect(strangerRecord == nil)
                    let letters = try await deadLetters(broker, count: 2)
                    #expect(Set(letters.compactMap { $0.header("reason_code") }) == ["malformed", "wrong_sender"])
                    try await withChainRPCClient(endpoints: [chain.url]) { node in
                        let pending = try await node.transactionCount(of: Fixtures.sender, at: .pending)
                        #expect(pending == Nonce(1))
                    }
                }
            }
        }
    }

    /// The production retry policy (3 attempts, 2 s doubling, jitter) against a node that
    /// fails a third of the calls: a request may really fail here, so the test holds what must
    /// be true in every run rather than hoping for a lucky one.
    @Test func fiftyRequestsThroughTheFlakyNodeEndWithTheProductionRetryPolicy() async throws {
        let count = 50
        let production = BroadcasterConfiguration().retry
        #expect(production.maxAttempts == 3)
        let options = FlakyProxy.Options(seed: 7, timeScale: 100, pSilent: 0.1, pError: 0.2, silentForwardFraction: 0.5)
        try await withDevChain { chain in
            try await withFlakyProxy(upstream: chain.url, options: options) { proxy in
                try await withTansu(topics: Topics.all) { broker in
                    try await Workspace.with { workspace in
                        // Silent calls are held 0.45 s (45 s scaled); give up on them first.
                        let configuration = try workerConfiguration(
                            broker: broker, rpcURL: proxy.url, workspace: workspace, retry: production,
                            callTimeout: .milliseconds(400))
                        let requests = (0..<count).map { _ in Fixtures.request() }
                        let store = try workspace.openStore()
                        let stored = try await whileWorkerRuns(configuration) {
                            try await withRequestProducer(broker) { producer in
                                for request in requests { try await producer.send(request) }
                            }
                            return try await records(requests.map(\.id), in: store, timeout: .seconds(120)) {
                                $0.status.isFinal
                            }
                        }
                        #expect(stored.map(\.nonce.value).sorted() == (0..<UInt64(count)).map { $0 })
                        #expect(stored.contains { $0.attempts > 1 }, "the proxy should have disturbed some sends")
                        for record in stored {
                            let attempts = try await store.attempts(of: record.id)
                            #expect(attempts.map(\.number) == Array(1...record.attempts))
                            #expect(record.attempts <= production.maxAttempts)
                            if record.status == .failed {
                                // The proxy only ever times out or answers 5xx: only exhaustion ends a request here.
                                #expect(record.attempts == production.maxAttempts)
                                #expect(attempts.allSatisfy { $0.outcome == .retryable })
                                #expect(record.lastError?.contains("gave up after 3 attempts") == true, "\(record.lastError ?? "")")
                            }
                        }
                        try await withChainRPCClient(endpoints: [chain.url]) { node in
                            let byNonce = stored.sorted { $0.nonce < $1.nonce }
                            // Below the first nonce that failed without landing, everything is mined, once.
                            var minedUpTo: UInt64 = 0
                            for record in byNonce {
                                let known = try await node.transaction(record.hash)
                                if record.status == .broadcast {
                                    #expect(known != nil, "nonce \(record.nonce.value) broadcast but unknown to the node")
                                }
                                guard known != nil, minedUpTo == record.nonce.value else { break }
                                let receipt = try await eventually("nonce \(record.nonce.value) mined") {
                                    try await node.transactionReceipt(record.hash)
                                }
                                #expect(receipt.status == .success)
                                minedUpTo += 1
                            }
                            if stored.allSatisfy({ $0.status == .broadcast }) {
                                #expect(minedUpTo == UInt64(count))
                            }
                            let mined = try await node.transactionCount(of: Fixtures.sender, at: .latest)
                            #expect(mined == Nonce(minedUpTo))
                        }
                    }
                }
            }
        }
    }

    @Test func aRestartedWorkerResumesWithTheSameSignedBytes() async throws {
        // Transparent proxy: stopping it makes the node unreachable for the first worker only.
        let transparent = FlakyProxy.Options(seed: 1, timeScale: 100, pSilent: 0, pError: 0, latencyMin: 0, latencyMax: 0)
        try await withDevChain { chain in
            try await withTansu(topics: Topics.all) { broker in
                try await Workspace.with { workspace in
                    let store = try workspace.openStore()
                    let warmUp = Fixtures.request()
                    let requests = (0..<3).map { _ in Fixtures.request() }
                    let beforeRestart = try await withFlakyProxy(upstream: chain.url, options: transparent) { proxy in
                        let first = try workerConfiguration(
                            broker: broker, rpcURL: proxy.url, workspace: workspace,
                            retry: RetryPolicy(maxAttempts: 100, initialDelay: .milliseconds(300), maxDelay: .milliseconds(500)))
                        return try await whileWorkerRuns(first) {
                            try await withRequestProducer(broker) { try await $0.send(warmUp) }
                            _ = try await records([warmUp.id], in: store) { $0.status == .broadcast }
                            await proxy.stop()
                            try await withRequestProducer(broker) { producer in
                                for request in requests { try await producer.send(request) }
                            }
                            return try await records(requests.map(\.id), in: store) { $0.status == .retrying }
                        }
                    }
                    let second = try workerConfiguration(broker: broker, rpcURL: chain.url, workspace: workspace)
                    let afterRestart = try await whileWorkerRuns(second) {
                        try await records(requests.map(\.id), in: store) { $0.status == .broadcast }
                    }
                    #expect(afterRestart.map(\.hash) == beforeRestart.map(\.hash))
                    #expect(afterRestart.map(\.rawTransaction) == beforeRestart.map(\.rawTransaction))
                    #expect(afterRestart.map(\.nonce.value).sorted() == [1, 2, 3])
                    try await withChainRPCClient(endpoints: [chain.url]) { node in
                        for record in afterRestart {
                            let receipt = try await eventually("the receipt") { try await node.transactionReceipt(record.hash) }
                            #expect(receipt.status == .success)
                        }
                        let pending = try await node.transactionCount(of: Fixtures.sender, at: .pending)
                        #expect(pending == Nonce(4))
                    }
                }
            }
        }
    }

    /// Issue 4: 21,000 gas cannot pay for the mission's calldata, so the transaction could never
    /// be mined; it must not take a nonce (every later nonce of the sender would stall behind it).
    @Test func aRequestWhoseIntrinsicGasExceedsItsLimitIsDeadLetteredBeforeItTakesANonce() async throws {
        try await withDevChain { chain in
            try await withTansu(topics: Topics.all) { broker in
                try await Workspace.with { workspace in
                    let configuration = try workerConfiguration(
                        broker: broker, rpcURL: chain.url, workspace: workspace, gasLimit: Gas(21_000))
                    let tooBig = Fixtures.request()
                    let next = try Fixtures.bytesRequest("store(bytes)", payload: Array("fits".utf8))
                    let store = try workspace.openStore()
                    let (report, record) = try await whileWorkerRuns(configuration) {
                        let report = try await withRequestProducer(broker) { producer in
                            let report = try await producer.send(tooBig)
                            let following = try await producer.send(next)
                            #expect(following.partition == report.partition)
                            return report
                        }
                        return (report, try await records([next.id], in: store) { $0.status == .broadcast }[0])
                    }
                    #expect(try await store.record(tooBig.id) == nil)
                    #expect(record.nonce == Nonce(0), "the refused request took no nonce")
                    let letter = try #require(try await deadLetters(broker, count: 1).first)
                    #expect(letter.header("reason_code") == "exceeds_gas_limit")
                    #expect(letter.header("reason")?.contains("gas limit of 21000") == true, "\(letter.header("reason") ?? "")")
                    #expect(letter.header("source_partition") == "\(report.partition)")
                    #expect(letter.header("source_offset") == "\(report.offset)")
                    try await withChainRPCClient(endpoints: [chain.url]) { node in
                        let receipt = try await eventually("the next request mined") { try await node.transactionReceipt(record.hash) }
                        #expect(receipt.status == .success)
                    }
                }
            }
        }
    }

    /// What Admission cannot foresee: the node refuses a transaction larger than 128 KiB
    /// ("oversized data") after its nonce N was taken. It fails at once with the node's reason,
    /// and the sender's next request (nonce N+1) is still signed and sent; the node holds it
    /// behind the gap at N (README, known limits: a failed nonce is not reused yet).
    @Test func aTransactionTheNodeRefusesForGoodFailsWithTheReasonAndTheNextNonceIsStillSent() async throws {
        try await withDevChain { chain in
            try await withTansu(topics: Topics.all) { broker in
                try await Workspace.with { workspace in
                    let configuration = try workerConfiguration(broker: broker, rpcURL: chain.url, workspace: workspace)
                    // 132,000 zero bytes: 1.34 M gas with the EIP-7623 floor, within archive's 2 M.
                    let oversized = try Fixtures.bytesRequest("archive(bytes)", payload: [UInt8](repeating: 0, count: 132_000))
                    let next = Fixtures.request()
                    let store = try workspace.openStore()
                    let (refused, sent) = try await whileWorkerRuns(configuration) {
                        try await withRequestProducer(broker) { producer in
                            try await producer.send(oversized)
                            try await producer.send(next)
                        }
                        let refused = try await records([oversized.id], in: store) { $0.status.isFinal }[0]
                        let sent = try await records([next.id], in: store) { $0.status.isFinal }[0]
                        return (refused, sent)
                    }
                    #expect(refused.status == .failed)
                    #expect(refused.attempts == 1, "refused for good: never retried")
                    #expect(refused.lastError?.contains("oversized data") == true, "\(refused.lastError ?? "no error")")
                    #expect(try await store.attempts(of: oversized.id).map(\.outcome) == [.rejected])
                    #expect(sent.status == .broadcast)
                    #expect(sent.nonce == Nonce(refused.nonce.value + 1))
                    try await withChainRPCClient(endpoints: [chain.url]) { node in
                        let held = try await node.transaction(sent.hash)
                        #expect(held != nil, "the node holds nonce N+1")
                        #expect(try await node.transactionCount(of: Fixtures.sender, at: .pending) == refused.nonce)
                    }
                }
            }
        }
    }

    /// Issues 3 and 5: one row per kind of message the worker must not sign. Each goes to the
    /// dead-letter topic (original key and bytes, reason and source in headers), takes no
    /// nonce, and the good message after it in the same partition is signed and mined.
    @Test func everyKindOfBadMessageIsDeadLetteredAndTheNextGoodOneIsMined() async throws {
        let senderKey = Array(Fixtures.sender.checksummed.utf8)
        let encoded = { (request: BroadcastRequest) in String(decoding: try! TopicCoding.encoder().encode(request), as: UTF8.self) }
        func altered(_ change: (inout BroadcastRequest) -> Void) -> [UInt8] {
            var request = Fixtures.request()
            change(&request)
            return Array(encoded(request).utf8)
        }
        let rows: [(name: String, value: [UInt8], code: String)] = [
            ("unparsable bytes", Array("{\"id\": \"not json".utf8), "malformed"),
            ("duplicate keys", Array(("{\"data\":\"0x00\"," + encoded(Fixtures.request()).dropFirst()).utf8), "malformed"),
            ("an unknown field", Array(("{\"gas\":1000000," + encoded(Fixtures.request()).dropFirst()).utf8), "malformed"),
            ("to 0x…dEaD", altered { $0.to = try! Address("0x000000000000000000000000000000000000dEaD") }, "wrong_contract"),
            ("data 0xdeadbeef01", altered { $0.data = try! Calldata(hex: "0xdeadbeef01") }, "selector_not_allowed"),
            ("another message type's signer as from", altered { $0.from = Fixtures.otherSender }, "wrong_sender"),
            ("an unknown function", altered {
                $0.messageType = "transferOwnership(address newOwner)"
                $0.function = "transferOwnership(address)"
            }, "unknown_message_type"),
            ("a selector not allowed", altered {
                // approve(address,uint256)'s selector with arguments that decode as add_weight's.
                $0.data = Calldata([0x09, 0x5e, 0xa7, 0xb3] + Array(Fixtures.missionCalldata.bytes.dropFirst(4)))
            }, "selector_not_allowed"),
            ("intrinsic gas over the gas limit", Array(
                encoded(try Fixtures.bytesRequest("store(bytes)", payload: [UInt8](repeating: 0xab, count: 30_000))).utf8),
             "exceeds_gas_limit"),
            ("a retry_of the store does not hold", altered { $0.retryOf = RequestID() }, "unknown_retry_of"),
        ]
        try await withDevChain { chain in
            try await withTansu(topics: Topics.all) { broker in
                try await Workspace.with { workspace in
                    let configuration = try workerConfiguration(broker: broker, rpcURL: chain.url, workspace: workspace)
                    let store = try workspace.openStore()
                    let goods = (0..<rows.count).map { _ in Fixtures.request() }
                    let (badReports, signed) = try await whileWorkerRuns(configuration) { worker in
                        let badReports = try await withRequestProducer(broker) { producer in
                            var reports: [KafkaDeliveryReport] = []
                            for (row, next) in zip(rows, goods) {
                                let bad = try await producer.sendRaw(row.value, key: senderKey)
                                let following = try await producer.send(next)
                                #expect(following.partition == bad.partition, "\(row.name)")
                                reports.append(bad)
                            }
                            return reports
                        }
                        let signed = try await records(goods.map(\.id), in: store) { $0.status == .broadcast }
                        let metrics = try await eventually("the dead letters counted") {
                            let page = try await get(try await worker.url("/metrics")).body
                            return page.contains("broadcaster_worker_dead_letters_total{reason=\"unknown_retry_of\"} 1") ? page : nil
                        }
                        #expect(metrics.contains("broadcaster_worker_dead_letters_total{reason=\"malformed\"} 3"), "\(metrics)")
                        #expect(metrics.contains("broadcaster_worker_dead_letters_total{reason=\"selector_not_allowed\"} 2"))
                        return (badReports, signed)
                    }
                    // Nothing was signed for a bad message: the good ones have every nonce, in order.
                    #expect(signed.map(\.nonce.value) == (0..<UInt64(rows.count)).map { $0 })
                    // Dead letters of one batch are produced at once, so the topic's order may differ.
                    let letters = Dictionary(
                        try await deadLetters(broker, count: rows.count).map { ($0.header("source_offset") ?? "", $0) },
                        uniquingKeysWith: { first, _ in first })
                    #expect(letters.count == rows.count)
                    for (index, row) in rows.enumerated() {
                        guard let letter = letters["\(badReports[index].offset)"] else {
                            Issue.record("no dead letter for \(row.name)")
                            continue
                        }
                        #expect(letter.header("reason_code") == row.code, "\(row.name): \(letter.header("reason") ?? "")")
                        #expect(letter.value == row.value, "\(row.name): the original bytes")
                        #expect(letter.key == senderKey, "\(row.name): the original key")
                        #expect(letter.header("source_topic") == Topics.requests)
                        #expect(letter.header("source_partition") == "\(badReports[index].partition)", "\(row.name)")
                        #expect(letter.header("source_offset") == "\(badReports[index].offset)", "\(row.name)")
                        #expect(letter.header("consumer_group") == configuration.kafka.consumerGroup)
                        #expect(letter.header("reason")?.isEmpty == false)
                    }
                    let lastBad = try #require(badReports.last)
                    let retried = try #require(letters["\(lastBad.offset)"]?.value)
                    let orphanID = try TopicCoding.decoder().decode(BroadcastRequest.self, from: Data(retried)).id
                    #expect(try await store.record(orphanID) == nil)
                    try await withChainRPCClient(endpoints: [chain.url]) { node in
                        for record in signed {
                            let receipt = try await eventually("nonce \(record.nonce.value) mined") { try await node.transactionReceipt(record.hash) }
                            #expect(receipt.status == .success)
                        }
                        #expect(try await node.transactionCount(of: Fixtures.sender, at: .latest) == Nonce(UInt64(rows.count)))
                    }
                }
            }
        }
    }

    /// Issue 5: a store locked by another process is retried (counted, logged) rather than
    /// skipping the message, and the request goes through once the lock is free.
    @Test func aStoreLockedForAWhileIsRetriedAndCountedAndTheRequestThenGoesThrough() async throws {
        try await withDevChain { chain in
            try await withTansu(topics: Topics.all) { broker in
                try await Workspace.with { workspace in
                    var configuration = try workerConfiguration(broker: broker, rpcURL: chain.url, workspace: workspace)
                    configuration.store.busyTimeout = .milliseconds(200)
                    let warmUp = Fixtures.request()
                    let request = Fixtures.request()
                    let store = try workspace.openStore()
                    let metrics = try await whileWorkerRuns(configuration) { worker in
                        try await withRequestProducer(broker) { try await $0.send(warmUp) }
                        _ = try await records([warmUp.id], in: store) { $0.status == .broadcast }
                        try await holdingTheWriteLock(of: workspace.storePath, for: .seconds(2)) {
                            try await withRequestProducer(broker) { try await $0.send(request) }
                        }
                        _ = try await records([request.id], in: store) { $0.status == .broadcast }
                        return try await get(try await worker.url("/metrics")).body
                    }
                    #expect(metrics.contains("broadcaster_worker_retries_total{stage=\"store\",class=\"busy\"}"), "\(metrics)")
                    #expect(try await store.record(request.id)?.nonce == Nonce(1))
                }
            }
        }
    }

    /// Issue 5: the retries of a failing store are bounded. A store that stays locked past them
    /// stops the worker with the reason (a supervisor restarts it), and nothing is skipped:
    /// the message is neither stored nor counted as consumed.
    @Test func aStoreThatStaysLockedStopsTheWorkerAfterItsRetriesAndSkipsNothing() async throws {
        try await withDevChain { chain in
            try await withTansu(topics: Topics.all) { broker in
                try await Workspace.with { workspace in
                    let configuration = {
                        var configuration = try! workerConfiguration(broker: broker, rpcURL: chain.url, workspace: workspace)
                        configuration.store.busyTimeout = .milliseconds(100)
                        return configuration
                    }()
                    let warmUp = Fixtures.request()
                    let request = Fixtures.request()
                    let store = try workspace.openStore()
                    let stopped: String = try await withThrowingTaskGroup(of: String?.self) { group in
                        group.addTask {
                            do {
                                try await Worker.run(
                                    configuration: configuration, logger: testLogger, gracefulShutdownSignals: [],
                                    tune: { settings in
                                        quickSettings(&settings)
                                        settings.storeRetry = RetryPolicy(maxAttempts: 3, initialDelay: .milliseconds(100), jitter: 0)
                                    })
                                return "returned"
                            } catch {
                                return "\(error)"
                            }
                        }
                        group.addTask {
                            try await Task.sleep(for: .seconds(90))
                            throw HarnessError("the worker did not stop")
                        }
                        defer { group.cancelAll() }
                        try await withRequestProducer(broker) { try await $0.send(warmUp) }
                        _ = try await records([warmUp.id], in: store) { $0.status == .broadcast }
                        return try await holdingTheWriteLock(of: workspace.storePath, for: .zero) {
                            let report = try await withRequestProducer(broker) { try await $0.send(request) }
                            #expect(report.offset >= 0)
                            while let ended = try await group.next() {
                                if let how = ended { return how }
                            }
                            throw HarnessError("the worker's task vanished")
                        }
                    }
                    #expect(stopped.contains("failed 3 times in a row"), "\(stopped)")
                    #expect(stopped.contains("busyTimeout"), "\(stopped)")
                    #expect(try await store.record(request.id) == nil)
                    let offsets = try store.startingOffsets(
                        group: configuration.kafka.consumerGroup, topic: Topics.requests, partitions: [0, 1])
                    #expect(offsets.values.reduce(0, +) == 1, "only the warm-up is stored as consumed: \(offsets)")
                }
            }
        }
    }

    /// Issue 11: what an operator sees of a worker.
    @Test func theHealthServerAnswersReadinessAndMetricsAndNamesAMissingNode() async throws {
        let transparent = FlakyProxy.Options(seed: 1, timeScale: 100, pSilent: 0, pError: 0, latencyMin: 0, latencyMax: 0)
        try await withDevChain { chain in
            try await withFlakyProxy(upstream: chain.url, options: transparent) { proxy in
                try await withTansu(topics: Topics.all) { broker in
                    try await Workspace.with { workspace in
                        let configuration = try workerConfiguration(broker: broker, rpcURL: proxy.url, workspace: workspace)
                        let request = Fixtures.request()
                        let store = try workspace.openStore()
                        try await whileWorkerRuns(configuration) { worker in
                            #expect(try await get(try await worker.url("/healthz")) == (200, #"{"status":"ok"}"#))
                            try await withRequestProducer(broker) { producer in
                                try await producer.send(request)
                                try await producer.sendRaw(Array("{not json".utf8), key: Array(Fixtures.sender.checksummed.utf8))
                            }
                            _ = try await records([request.id], in: store) { $0.status == .broadcast }
                            let ready = try await get(try await worker.url("/readyz"))
                            #expect(ready.status == 200, "\(ready.body)")
                            let metrics = try await eventually("the metrics to catch up") {
                                let page = try await get(try await worker.url("/metrics")).body
                                let caughtUp = page.contains("broadcaster_worker_requests{status=\"broadcast\"} 1.0")
                                    && page.contains("broadcaster_worker_dead_letters_total{reason=\"malformed\"} 1")
                                    && page.contains("broadcaster_worker_consumer_lag{topic=\"\(Topics.requests)\",partition=\"0\"} 0.0")
                                    && page.contains("broadcaster_worker_consumer_lag{topic=\"\(Topics.requests)\",partition=\"1\"} 0.0")
                                return caughtUp ? page : nil
                            }
                            #expect(metrics.contains("broadcaster_worker_in_flight 0.0"))
                            #expect(metrics.contains("broadcaster_worker_backlog 0.0"))
                            let endpoint = try #require(URL(string: proxy.url)).port.map { "http://127.0.0.1:\($0)" } ?? ""
                            #expect(
                                metrics.contains(
                                    "broadcaster_worker_rpc_duration_seconds_count{method=\"eth_sendRawTransaction\",endpoint=\"\(endpoint)\",outcome=\"result\"} 1"),
                                "\(metrics)")
                            // The node goes away: within the answer window (3 s in tests) readiness says so.
                            await proxy.stop()
                            let notReady = try await eventually("readiness to notice the node is gone", timeout: .seconds(30)) {
                                let answer = try await get(try await worker.url("/readyz"))
                                return answer.status == 503 ? answer.body : nil
                            }
                            #expect(notReady.contains("no JSON-RPC node has answered"), "\(notReady)")
                            #expect(try await get(try await worker.url("/healthz")).status == 200)
                        }
                    }
                }
            }
        }
    }

    @Test func aNodeOfAnotherChainStopsTheWorkerNamingBothIDs() async throws {
        try await withDevChain(chainID: 1_337) { chain in
            try await withTansu { broker in
                try await Workspace.with { workspace in
                    let configuration = try workerConfiguration(broker: broker, rpcURL: chain.url, workspace: workspace)
                    let error = await #expect(throws: WorkerStartupError.self) {
                        try await Worker.run(configuration: configuration, logger: testLogger, gracefulShutdownSignals: [], tune: quickSettings)
                    }
                    #expect(error?.description.contains("1337") == true)
                    #expect(error?.description.contains("131277322940537") == true)
                }
            }
        }
    }
}
