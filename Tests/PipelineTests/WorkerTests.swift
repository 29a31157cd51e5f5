import ABI
import BroadcastModel
import BroadcasterConfig
import ChainRPC
import DevChainSupport
import EVMPrimitives
import Foundation
import Kafka
import KafkaTestSupport
import Lifecycle
import Pipeline
import SQLiteStore
import StatusStore
import Testing

/// Whole workers against a real broker (Tansu), the local chain (a block every 0.5 s, final two
/// blocks deep) and an SQLite file. One at a time: each starts a node, a broker and a worker,
/// and the build machine has two cores.
extension OnChain {
    @Suite("Worker against Tansu and the local chain")
    struct WorkerTests {
        @Test func missionExampleIsConfirmedFromTheConfiguredSenderWithThePostedCalldata() async throws {
            try await withDevChain(blockTime: 0.5) { chain throws in
                try await withTansu(topics: Topics.all) { broker in
                    try await Workspace.with { workspace in
                        let configuration = try workerConfiguration(broker: broker, rpcURL: chain.url, workspace: workspace)
                        let request = Fixtures.request()
                        let (stored, events) = try await whileWorkerRuns(configuration) {
                            try await watchingResults(broker, for: request.id) {
                                try await withRequestProducer(broker) { try await $0.send(request) }
                                return try await storedRequest(request.id, in: try workspace.openStore()) { $0.status == .confirmed }
                            }
                        }
                        // The results topic tells the API what the store says.
                        let final = try #require(events.last)
                        #expect(final.status == .confirmed)
                        #expect(final.hash == stored.lifecycle.currentHash)
                        #expect(final.receipt == stored.lifecycle.receiptSummary)
                        #expect(final.versions.map(\.hash) == [stored.lifecycle.original.hash])
                        try await withChainFacts(chain) { chain throws in
                            let receipt = try await chain.receipt(stored.lifecycle.currentHash)
                            #expect(receipt.status == .success)
                            #expect(receipt.blockHash == stored.lifecycle.inclusion?.blockHash)
                            let mined = try #require(try await chain.rpc.transaction(stored.lifecycle.currentHash))
                            #expect(mined.from == Fixtures.sender)
                            #expect(mined.to == Fixtures.contract)
                            #expect(mined.input == Fixtures.missionCalldata)
                            #expect(mined.nonce == stored.lifecycle.nonce)
                            #expect(mined.value == .zero)
                        }
                    }
                }
            }
        }

        @Test func duplicateMessagesMakeOneTransactionAndUnusableOnesAreDeadLettered() async throws {
            try await withDevChain(blockTime: 0.5) { chain throws in
                try await withTansu(topics: Topics.all) { broker in
                    try await Workspace.with { workspace in
                        let configuration = try workerConfiguration(broker: broker, rpcURL: chain.url, workspace: workspace)
                        let request = Fixtures.request(weight: 7)
                        let stranger = {
                            var request = Fixtures.request()
                            request.from = DevKeys.address(3)  // no key configured for it
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
                            _ = try await storedRequest(request.id, in: store) { $0.status == .confirmed }
                            // Once more after it is final: skipped.
                            try await withRequestProducer(broker) { try await $0.send(request) }
                            _ = try await eventually("all five messages to be consumed") {
                                let offsets = try store.startingOffsets(
                                    group: configuration.kafka.consumerGroup, topic: Topics.requests, partitions: [0, 1])
                                return offsets.values.reduce(0, +) == 5 ? true : nil
                            }
                        }
                        #expect(try await store.request(stranger.id) == nil)
                        let letters = try await deadLetters(broker, count: 2)
                        #expect(Set(letters.compactMap { $0.header("reason_code") }) == ["malformed", "wrong_sender"])
                        try await withChainFacts(chain) { chain throws in
                            #expect(try await chain.rpc.transactionCount(of: Fixtures.sender, at: .pending) == Nonce(1))
                            #expect(try await chain.mined(carrying: request.data).count == 1)
                        }
                    }
                }
            }
        }

        /// Fifty requests through a node that loses a third of the calls (a tenth unanswered, half
        /// of those landing all the same, a fifth answered with errors): nothing is given up within
        /// the deadline, so every request ends confirmed, each call mined exactly once, nonces
        /// without a gap, however many sends it took.
        @Test func fiftyRequestsThroughTheFlakyNodeAreEachMinedOnceAndConfirmed() async throws {
            let count = 50
            let options = FlakyProxy.Options(seed: 7, timeScale: 100, pSilent: 0.1, pError: 0.2, silentForwardFraction: 0.5)
            try await withDevChain(blockTime: 0.5) { chain throws in
                try await withFlakyProxy(upstream: chain.url, options: options) { proxy in
                    try await withTansu(topics: Topics.all) { broker in
                        try await Workspace.with { workspace in
                            // Silent calls are held 0.45 s (45 s scaled); give up on them first.
                            var configuration = try workerConfiguration(
                                broker: broker, rpcURL: proxy.url, workspace: workspace, callTimeout: .milliseconds(400))
                            // Plain requests: the proxy draws a fault per HTTP request, and this test
                            // is about calls lost one by one (a batch is lost whole, see ChainRPCTests).
                            configuration.rpc.batchSize = 1
                            let requests = (0..<count).map { Fixtures.request(weight: 1_000 + UInt64($0)) }
                            let store = try workspace.openStore()
                            let stored = try await whileWorkerRuns(configuration) {
                                try await withRequestProducer(broker) { producer in
                                    for request in requests { try await producer.send(request) }
                                }
                                return try await storedRequests(requests.map(\.id), in: store, timeout: .seconds(120)) {
                                    $0.status.isFinal
                                }
                            }
                            #expect(stored.allSatisfy { $0.status == .confirmed }, "\(stored.filter { $0.status != .confirmed }.map { "\($0.status): \($0.lifecycle.reason ?? "")" })")
                            #expect(stored.map(\.lifecycle.nonce.value).sorted() == (0..<UInt64(count)).map { $0 })
                            #expect(stored.contains { $0.lifecycle.sends > 1 }, "the proxy should have disturbed some sends")
                            for request in stored {
                                let attempts = try await store.attempts(of: request.id)
                                #expect(attempts.map(\.number) == Array(1...max(1, attempts.count)))
                                #expect(attempts.allSatisfy { $0.hash == request.lifecycle.original.hash }, "one version, the same bytes every time")
                            }
                            try await withChainFacts(chain) { chain throws in
                                let mined = try await chain.mined(from: Fixtures.sender)
                                #expect(mined.map(\.nonce.value) == (0..<UInt64(count)).map { $0 })
                                for (request, stored) in zip(requests, stored) {
                                    let carrying = mined.filter { $0.input == request.data }
                                    #expect(carrying.map(\.hash) == [stored.lifecycle.currentHash], "request \(request.id) is on chain \(carrying.count) times")
                                }
                            }
                        }
                    }
                }
            }
        }

        @Test func aRestartedWorkerResumesWithTheSameSignedBytes() async throws {
            // Transparent proxy: stopping it makes the node unreachable for the first worker only.
            let transparent = FlakyProxy.Options(seed: 1, timeScale: 100, pSilent: 0, pError: 0, latencyMin: 0, latencyMax: 0)
            try await withDevChain(blockTime: 0.5) { chain throws in
                try await withTansu(topics: Topics.all) { broker in
                    try await Workspace.with { workspace in
                        let store = try workspace.openStore()
                        let warmUp = Fixtures.request(weight: 1)
                        let requests = (0..<3).map { Fixtures.request(weight: 10 + UInt64($0)) }
                        let beforeRestart = try await withFlakyProxy(upstream: chain.url, options: transparent) { proxy in
                            let first = try workerConfiguration(broker: broker, rpcURL: proxy.url, workspace: workspace)
                            return try await whileWorkerRuns(first) {
                                try await withRequestProducer(broker) { try await $0.send(warmUp) }
                                _ = try await storedRequest(warmUp.id, in: store) { $0.status == .confirmed }
                                await proxy.stop()
                                try await withRequestProducer(broker) { producer in
                                    for request in requests { try await producer.send(request) }
                                }
                                // Sent, and no node took them.
                                return try await storedRequests(requests.map(\.id), in: store) {
                                    $0.lifecycle.sends > 0 && [.retrying, .unknown].contains($0.status)
                                }
                            }
                        }
                        let second = try workerConfiguration(broker: broker, rpcURL: chain.url, workspace: workspace)
                        let afterRestart = try await whileWorkerRuns(second) {
                            try await storedRequests(requests.map(\.id), in: store, timeout: .seconds(60)) { $0.status == .confirmed }
                        }
                        #expect(afterRestart.map(\.lifecycle.versions.count) == [1, 1, 1])
                        #expect(afterRestart.map(\.lifecycle.currentHash) == beforeRestart.map(\.lifecycle.original.hash))
                        #expect(afterRestart.map(\.lifecycle.original.raw) == beforeRestart.map(\.lifecycle.original.raw))
                        #expect(afterRestart.map(\.lifecycle.nonce.value).sorted() == [1, 2, 3])
                        try await withChainFacts(chain) { chain throws in
                            for (request, stored) in zip(requests, afterRestart) {
                                #expect(try await chain.mined(carrying: request.data).map(\.hash) == [stored.lifecycle.original.hash])
                            }
                            #expect(try await chain.minedCount(of: Fixtures.sender) == Nonce(4))
                        }
                    }
                }
            }
        }

        /// Issue 4: 21,000 gas cannot pay for the mission's calldata, so the transaction could never
        /// be mined; it must not take a nonce (every later nonce of the sender would stall behind it).
        @Test func aRequestWhoseIntrinsicGasExceedsItsLimitIsDeadLetteredBeforeItTakesANonce() async throws {
            try await withDevChain(blockTime: 0.5) { chain throws in
                try await withTansu(topics: Topics.all) { broker in
                    try await Workspace.with { workspace in
                        let configuration = try workerConfiguration(
                            broker: broker, rpcURL: chain.url, workspace: workspace, gasLimit: Gas(21_000))
                        let tooBig = Fixtures.request()
                        let next = try Fixtures.bytesRequest("store(bytes)", payload: Array("fits".utf8))
                        let store = try workspace.openStore()
                        let (report, stored) = try await whileWorkerRuns(configuration) {
                            let report = try await withRequestProducer(broker) { producer in
                                let report = try await producer.send(tooBig)
                                let following = try await producer.send(next)
                                #expect(following.partition == report.partition)
                                return report
                            }
                            return (report, try await storedRequest(next.id, in: store) { $0.status == .confirmed })
                        }
                        #expect(try await store.request(tooBig.id) == nil)
                        #expect(stored.lifecycle.nonce == Nonce(0), "the refused request took no nonce")
                        let letter = try #require(try await deadLetters(broker, count: 1).first)
                        #expect(letter.header("reason_code") == "exceeds_gas_limit")
                        #expect(letter.header("reason")?.contains("gas limit of 21000") == true, "\(letter.header("reason") ?? "")")
                        #expect(letter.header("source_partition") == "\(report.partition)")
                        #expect(letter.header("source_offset") == "\(report.offset)")
                        try await withChainFacts(chain) { chain throws in
                            #expect(try await chain.receipt(stored.lifecycle.currentHash).status == .success)
                            #expect(try await chain.mined(carrying: tooBig.data).isEmpty)
                        }
                    }
                }
            }
        }

        /// Issues 3 and 5: one row per kind of message the worker must not sign. Each goes to the
        /// dead-letter topic (original key and bytes, reason and source in headers), takes no
        /// nonce, and the good message after it in the same partition is signed, mined and confirmed.
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
            try await withDevChain(blockTime: 0.5) { chain throws in
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
                            let signed = try await storedRequests(goods.map(\.id), in: store, timeout: .seconds(60)) { $0.status == .confirmed }
                            let metrics = try await eventually("the dead letters counted") {
                                let page = try await get(try await worker.url("/metrics")).body
                                return page.contains("broadcaster_worker_dead_letters_total{reason=\"unknown_retry_of\"} 1") ? page : nil
                            }
                            #expect(metrics.contains("broadcaster_worker_dead_letters_total{reason=\"malformed\"} 3"), "\(metrics)")
                            #expect(metrics.contains("broadcaster_worker_dead_letters_total{reason=\"selector_not_allowed\"} 2"))
                            return (badReports, signed)
                        }
                        // Nothing was signed for a bad message: the good ones have every nonce, in order.
                        #expect(signed.map(\.lifecycle.nonce.value) == (0..<UInt64(rows.count)).map { $0 })
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
                        #expect(try await store.request(orphanID) == nil)
                        try await withChainFacts(chain) { chain throws in
                            for stored in signed {
                                let receipt = try await chain.receipt(stored.lifecycle.currentHash)
                                #expect(receipt.status == .success)
                                #expect(receipt.blockHash == stored.lifecycle.inclusion?.blockHash)
                            }
                            // Only the good ones reached the chain.
                            #expect(try await chain.minedCount(of: Fixtures.sender) == Nonce(UInt64(rows.count)))
                        }
                    }
                }
            }
        }

        /// Issue 5: a store locked by another process is retried (counted, logged) rather than
        /// skipping the message, and the request goes through once the lock is free.
        @Test func aStoreLockedForAWhileIsRetriedAndCountedAndTheRequestThenGoesThrough() async throws {
            try await withDevChain(blockTime: 0.5) { chain throws in
                try await withTansu(topics: Topics.all) { broker in
                    try await Workspace.with { workspace in
                        var configuration = try workerConfiguration(broker: broker, rpcURL: chain.url, workspace: workspace)
                        configuration.store.busyTimeout = .milliseconds(200)
                        let warmUp = Fixtures.request()
                        let request = Fixtures.request()
                        let store = try workspace.openStore()
                        let metrics = try await whileWorkerRuns(configuration) { worker in
                            try await withRequestProducer(broker) { try await $0.send(warmUp) }
                            _ = try await storedRequest(warmUp.id, in: store) { $0.status == .confirmed }
                            try await holdingTheWriteLock(of: workspace.storePath, for: .seconds(2)) {
                                try await withRequestProducer(broker) { try await $0.send(request) }
                            }
                            _ = try await storedRequest(request.id, in: store) { $0.status == .confirmed }
                            return try await get(try await worker.url("/metrics")).body
                        }
                        #expect(metrics.contains("broadcaster_worker_retries_total{stage=\"store\",class=\"busy\"}"), "\(metrics)")
                        #expect(try await store.request(request.id)?.lifecycle.nonce == Nonce(1))
                    }
                }
            }
        }

        /// Issue 5: the retries of a failing store are bounded. A store that stays locked past them
        /// stops the worker with the reason (a supervisor restarts it), and nothing is skipped:
        /// the message is neither stored nor counted as consumed.
        @Test func aStoreThatStaysLockedStopsTheWorkerAfterItsRetriesAndSkipsNothing() async throws {
            try await withDevChain(blockTime: 0.5) { chain throws in
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
                                            settings.storeRetry = BoundedRetry(attempts: 3, backoff: RetryPolicy(initialDelay: .milliseconds(100), jitter: 0))
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
                            _ = try await storedRequest(warmUp.id, in: store) { $0.status == .confirmed }
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
                        #expect(try await store.request(request.id) == nil)
                        let offsets = try store.startingOffsets(
                            group: configuration.kafka.consumerGroup, topic: Topics.requests, partitions: [0, 1])
                        #expect(offsets.values.reduce(0, +) == 1, "only the warm-up is stored as consumed: \(offsets)")
                    }
                }
            }
        }

        @Test func aNodeOfAnotherChainStopsTheWorkerNamingBothIDs() async throws {
            try await withDevChain(chainID: 1_337) { chain throws in
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
}
