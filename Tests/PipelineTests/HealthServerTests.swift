import BroadcastModel
import ChainRPC
import DevChainSupport
import EVMPrimitives
import Foundation
import KafkaTestSupport
import Lifecycle
import Pipeline
import SQLiteStore
import StatusStore
import Testing

/// What an operator sees of a worker: `/healthz`, `/readyz` (store, broker, node) and `/metrics`.
extension OnChain {
    @Suite("Worker health server")
    struct HealthServerTests {
        /// Issue 11.
        @Test func theHealthServerAnswersReadinessAndMetricsAndNamesAMissingNode() async throws {
            let transparent = FlakyProxy.Options(seed: 1, timeScale: 100, pSilent: 0, pError: 0, latencyMin: 0, latencyMax: 0)
            try await withDevChain(blockTime: 0.5) { chain throws in
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
                                let confirmed = try await storedRequest(request.id, in: store) { $0.status == .confirmed }
                                let ready = try await get(try await worker.url("/readyz"))
                                #expect(ready.status == 200, "\(ready.body)")
                                let metrics = try await eventually("the metrics to catch up") {
                                    let page = try await get(try await worker.url("/metrics")).body
                                    let caughtUp = page.contains("broadcaster_worker_requests{status=\"confirmed\"} 1.0")
                                        && page.contains("broadcaster_worker_dead_letters_total{reason=\"malformed\"} 1")
                                        && page.contains("broadcaster_worker_consumer_lag{topic=\"\(Topics.requests)\",partition=\"0\"} 0.0")
                                        && page.contains("broadcaster_worker_consumer_lag{topic=\"\(Topics.requests)\",partition=\"1\"} 0.0")
                                    return caughtUp ? page : nil
                                }
                                #expect(metrics.contains("broadcaster_worker_in_flight 0.0"))
                                #expect(metrics.contains("broadcaster_worker_backlog 0.0"))
                                // The watcher's head: at least the confirmed request's block, at most the chain's.
                                let watched = metrics.split(separator: "\n").first { $0.hasPrefix("broadcaster_worker_chain_head ") }
                                    .flatMap { Double($0.split(separator: " ").last ?? "") }
                                let mined = try #require(confirmed.lifecycle.inclusion?.block.value)
                                let chainHead = try await withChainFacts(chain) { facts in try await facts.rpc.blockNumber().value }
                                #expect(watched.map { $0 >= Double(mined) && $0 <= Double(chainHead) } == true, "chain_head \(String(describing: watched)), mined at \(mined), chain at \(chainHead)")
                                let endpoint = try #require(URL(string: proxy.url)).port.map { "http://127.0.0.1:\($0)" } ?? ""
                                #expect(
                                    metrics.contains(
                                        "broadcaster_worker_rpc_duration_seconds_count{method=\"eth_sendRawTransaction\",endpoint=\"\(endpoint)\",outcome=\"result\"} "),
                                    "\(metrics)")
                                #expect(metrics.contains("broadcaster_worker_requests{status=\"failed\"} 0.0"))
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
    }
}
