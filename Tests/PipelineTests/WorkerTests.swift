import BroadcastModel
import BroadcasterConfig
import ChainRPC
import DevChainSupport
import EVMPrimitives
import Foundation
import KafkaTestSupport
import Pipeline
import StatusStore
import Testing

/// Whole workers against a real broker (Tansu), the local chain and an SQLite file.
@Suite("Worker against Tansu and the local chain")
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

    @Test func duplicateMessagesMakeOneTransactionAndUnusableOnesAreSkipped() async throws {
        try await withDevChain { chain in
            try await withTansu(topics: Topics.all) { broker in
                try await Workspace.with { workspace in
                    let configuration = try workerConfiguration(broker: broker, rpcURL: chain.url, workspace: workspace)
                    let request = Fixtures.request()
                    let stranger = {
                        var request = Fixtures.request()
                        request.from = try! Address("0x2B5AD5c4795c026514f8317c7a215E218DcCD6cF")  // dev key 0x…02: no key configured
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
                    try await withChainRPCClient(endpoints: [chain.url]) { node in
                        let pending = try await node.transactionCount(of: Fixtures.sender, at: .pending)
                        #expect(pending == Nonce(1))
                    }
                }
            }
        }
    }

    @Test func fiftyRequestsThroughTheFlakyNodeAreMinedOnceWithContiguousNonces() async throws {
        let count = 50
        let options = FlakyProxy.Options(seed: 7, timeScale: 100, pSilent: 0.1, pError: 0.2, silentForwardFraction: 0.5)
        try await withDevChain { chain in
            try await withFlakyProxy(upstream: chain.url, options: options) { proxy in
                try await withTansu(topics: Topics.all) { broker in
                    try await Workspace.with { workspace in
                        // Silent calls are held 0.45 s (45 s scaled); give up on them first.
                        let configuration = try workerConfiguration(
                            broker: broker, rpcURL: proxy.url, workspace: workspace,
                            retry: RetryPolicy(maxAttempts: 30, initialDelay: .milliseconds(100), multiplier: 1.5, maxDelay: .seconds(1)),
                            callTimeout: .milliseconds(400))
                        let requests = (0..<count).map { _ in Fixtures.request() }
                        let stored = try await whileWorkerRuns(configuration) {
                            try await withRequestProducer(broker) { producer in
                                for request in requests { try await producer.send(request) }
                            }
                            return try await records(requests.map(\.id), in: try workspace.openStore(), timeout: .seconds(60)) {
                                $0.status.isFinal
                            }
                        }
                        #expect(stored.allSatisfy { $0.status == .broadcast }, "\(stored.filter { $0.status != .broadcast }.map { $0.lastError ?? "" })")
                        #expect(stored.map(\.nonce.value).sorted() == (0..<UInt64(count)).map { $0 })
                        #expect(stored.contains { $0.attempts > 1 }, "the proxy should have disturbed some sends")
                        try await withChainRPCClient(endpoints: [chain.url]) { node in
                            for record in stored {
                                let receipt = try await eventually("nonce \(record.nonce.value) mined") {
                                    try await node.transactionReceipt(record.hash)
                                }
                                #expect(receipt.status == .success)
                            }
                            let mined = try await node.transactionCount(of: Fixtures.sender, at: .latest)
                            #expect(mined == Nonce(UInt64(count)))
                            let pending = try await node.transactionCount(of: Fixtures.sender, at: .pending)
                            #expect(pending == mined)
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

    @Test func aTransactionTheNodeRefusesForGoodEndsFailedWithTheReason() async throws {
        try await withDevChain { chain in
            try await withTansu(topics: Topics.all) { broker in
                try await Workspace.with { workspace in
                    // 21,000 gas cannot pay for the calldata: "intrinsic gas too low", never retried.
                    let configuration = try workerConfiguration(
                        broker: broker, rpcURL: chain.url, workspace: workspace, gasLimit: Gas(21_000))
                    let request = Fixtures.request()
                    let store = try workspace.openStore()
                    let record = try await whileWorkerRuns(configuration) {
                        try await withRequestProducer(broker) { try await $0.send(request) }
                        return try await records([request.id], in: store) { $0.status.isFinal }[0]
                    }
                    #expect(record.status == .failed)
                    #expect(record.attempts == 1)
                    #expect(record.lastError?.contains("intrinsic gas") == true, "\(record.lastError ?? "no error")")
                    let attempts = try await store.attempts(of: request.id)
                    #expect(attempts.map(\.outcome) == [.rejected])
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
