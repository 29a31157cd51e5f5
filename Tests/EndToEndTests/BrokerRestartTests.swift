import BroadcasterConfig
import AsyncHTTPClient
import BroadcastModel
import ChainRPC
import DevChainSupport
import EVMPrimitives
import Foundation
import KafkaTestSupport
import NIOCore
import NIOHTTP1
import SQLiteStore
import StatusStore
import Testing

/// The local broker (Tansu, memory storage) restarted under the real `broadcaster api` and two
/// `broadcaster worker` processes: it comes back with empty topics, recreated like
/// scripts/run-local does, and with new topic ids (which crashed librdkafka 2.8, and 2.14.2
/// without scripts/librdkafka-patches).
@Suite("End to end: the broker restarts under the API and two workers", .serialized)
struct BrokerRestartTests {
    static let senderCount = 4

    @Test("broker restarted empty, topics recreated: the API stays up, every request acknowledged after the restart is mined, Prefer: wait answers 200 again")
    func brokerRestart() async throws {
        let started = ContinuousClock.now
        func step(_ what: String) { print("end-to-end broker-restart: \(what) at \(ContinuousClock.now - started)") }
        let senders = try Sender.devSenders(count: Self.senderCount)
        try await withTansu(topics: Topics.all) { broker in
            try await withDevChain(blockTime: 0.5) { chain in
                try await Workspace.with { workspace in
                    let apiPort = try TansuBroker.unusedPort()
                    try workspace.writeConfiguration(broker: broker, rpcURL: chain.url, apiPort: apiPort, senders: senders)
                    let stack = Stack(workspace: workspace, apiPort: apiPort)
                    defer { stack.killAll() }
                    let store = try SQLiteStatusStore(path: workspace.store.path)
                    try await withChainRPCClient(endpoints: [chain.url]) { rpc in
                        let check = ChainCheck(rpc: rpc, senders: senders)
                        let api = try await stack.startAPI()
                        let worker1 = try await stack.startWorker(1)
                        let worker2 = try await stack.startWorker(2)
                        let client = RetryingClient(apiURL: stack.apiURL)

                        // Before: eight requests per sender, all mined, so every sender's partition
                        // has a stored offset of 8, and the results partitions hold more events
                        // than the rest of the test adds to their new logs.
                        var accepted: [RequestID: PlannedPost] = [:]
                        for post in LoadDriver.plan(0..<32, senders: senders) {
                            accepted[try await client.postUntilAccepted(post, key: "before-\(post.weight)")] = post
                        }
                        let before = try await StoreView.waitUntilSettled(store, ids: accepted.keys, timeout: .seconds(90))
                        #expect(before.count == 32 && before.allSatisfy { $0.status == .confirmed })
                        step("32 requests before the restart settled")

                        try await broker.restart()
                        step("broker restarted, topics recreated")

                        // After: two per sender, fewer than the stored offsets, so a worker that
                        // resumed at its stored offset would never read them. Retried with their
                        // Idempotency-Key while the API's producer reconnects (503), which is safe.
                        var afterRestart: [RequestID: PlannedPost] = [:]
                        for post in LoadDriver.plan(32..<40, senders: senders) {
                            afterRestart[try await client.postUntilAccepted(post, key: "after-\(post.weight)")] = post
                        }
                        step("8 requests acknowledged after the restart")
                        // Tansu may take minutes to give a whole group its partitions again
                        // (ENVIRONMENT.md), hence the long wait.
                        let settled = try await StoreView.waitUntilSettled(
                            store, ids: afterRestart.keys, timeout: .seconds(300))
                        step("the requests after the restart settled")
                        let storedAfter = settled.filter { afterRestart[$0.id] != nil }
                        #expect(storedAfter.count == afterRestart.count, "requests acknowledged after the restart were never read")

                        // The API's results tail reads the new logs: a waiting caller hears the
                        // outcome from it. At its deadline the API answers from the store instead,
                        // so only an answer well before the deadline shows the tail at work. The
                        // workers' result producers may still be healing (a broker that forgot its
                        // producer ids times them out, then fences the old ones), and a status
                        // event lost meanwhile leaves its caller to the deadline: a few tries.
                        var heardFromTail: RetryingClient.Answer?
                        for attempt in 0..<5 where heardFromTail == nil {
                            let post = PlannedPost(sender: senders[attempt % senders.count], weight: UInt64(100 + attempt))
                            let answer = try await client.postUntilAccepted(post, key: "waited-\(attempt)", wait: 20)
                            afterRestart[answer.id] = post
                            step("Prefer: wait=20 answered \(answer.status) after \(answer.elapsed)")
                            #expect(answer.status == 200, "Prefer: wait answered \(answer.status) \(answer.body)")
                            if answer.elapsed < .seconds(15) { heardFromTail = answer }
                        }
                        let waited = try #require(
                            heardFromTail, "every Prefer: wait ran to its deadline: the results tail never saw an outcome")
                        #expect(["submitted", "mined", "confirmed"].contains { waited.body.contains("\"status\":\"\($0)\"") }, "\(waited.body)")

                        accepted.merge(afterRestart) { first, _ in first }
                        let records = try await StoreView.waitUntilSettled(store, ids: accepted.keys, timeout: .seconds(60))
                        let onChain = try await check.verify(records: records, accepted: accepted)
                        #expect(onChain == UInt64(accepted.count))
                        #expect(records.count == accepted.count)

                        #expect(api.isRunning, "the API died: \(api.tail)")
                        #expect(worker1.isRunning && worker2.isRunning, "a worker died: \(worker1.tail) \(worker2.tail)")
                        let resets = worker1.lines(containing: "Kafka log reset") + worker2.lines(containing: "Kafka log reset")
                        #expect(resets >= 1, "no worker noticed that the requests topic was reset")
                        #expect(api.lines(containing: "Kafka log reset") >= 1, "the API's results tail never noticed the reset")
                        for line in (worker1.log + worker2.log + api.log).split(separator: "\n")
                        where line.contains("Kafka log reset") {
                            print("end-to-end broker-restart: \(line.prefix(300))")
                        }
                        step("on chain \(onChain) of \(accepted.count) acknowledged; worker resets logged \(resets)")
                    }
                }
            }
        }
    }
}

/// POSTs one request with an Idempotency-Key until the API acknowledges it: a 503 (or no answer)
/// while the broker is away may or may not have queued it, and the key makes the retry safe.
struct RetryingClient {
    let apiURL: String

    struct Answer {
        let id: RequestID
        let status: Int
        let body: String
        /// How long the answered attempt took.
        let elapsed: Duration
    }

    @discardableResult
    func postUntilAccepted(_ planned: PlannedPost, key: String) async throws -> RequestID {
        try await postUntilAccepted(planned, key: key, wait: nil).id
    }

    func postUntilAccepted(_ planned: PlannedPost, key: String, wait: Int?) async throws -> Answer {
        let deadline = ContinuousClock.now + .seconds(120)
        var last = "nothing yet"
        while ContinuousClock.now < deadline {
            var request = HTTPClientRequest(url: "\(apiURL)/transaction/broadcast")
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/json")
            request.headers.add(name: "Idempotency-Key", value: key)
            if let wait { request.headers.add(name: "Prefer", value: "wait=\(wait)") }
            let body = #"{"message_type": "\#(planned.sender.signature)", "data": "\#(planned.sender.calldata(weight: planned.weight))"}"#
            request.body = .bytes(ByteBuffer(string: body))
            let attempt = ContinuousClock.now
            do {
                let response = try await HTTPClient.shared.execute(request, timeout: .seconds(Int64(wait ?? 0) + 15))
                let text = String(buffer: try await response.body.collect(upTo: 1 << 20))
                let code = Int(response.status.code)
                if code == 200 || (wait != nil && code == 202) {
                    struct Accepted: Decodable { let id: RequestID }
                    let id = try JSONDecoder().decode(Accepted.self, from: Data(text.utf8)).id
                    return Answer(id: id, status: code, body: text, elapsed: ContinuousClock.now - attempt)
                }
                last = "\(code) \(text)"
            } catch {
                last = "\(error)"
            }
            try await Task.sleep(for: .milliseconds(300))
        }
        throw StackError("POST \(key) was not acknowledged within 120 s; last answer: \(last)")
    }
}
