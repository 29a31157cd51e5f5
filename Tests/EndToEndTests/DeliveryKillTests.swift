import AsyncHTTPClient
import BroadcastModel
import DevChainSupport
import Foundation
import NIOCore
import NIOHTTP1
import SQLiteStore
import StatusStore
import Testing

/// Item 9 of issue 7, results that arrive: every status change reaches the results topic at
/// least once and in order per request, also when the worker that committed it is killed -9
/// before publishing it; a caller waiting with `Prefer: wait` hears the outcome meanwhile.
@Suite("End to end: status events survive a kill -9 of the worker that committed them", .serialized)
struct DeliveryKillTests {
    static let senderCount = 4

    @Test("kill -9 a worker while its outbox holds events it committed, restart it: every change of every request reaches broadcaster.results in order, ending in its final status; Prefer: wait callers hear from the results tail")
    func killAfterCommit() async throws {
        let started = ContinuousClock.now
        func step(_ what: String) { print("end-to-end delivery-kill: \(what) at \(ContinuousClock.now - started)") }
        try await withStackEnvironment(senderCount: Self.senderCount) { env in
            let node = try await env.proxy(steadyNode(seconds: 0.5))
            try env.configure(rpcURLs: [node.url]) { $0.merge("worker", ["leaseLength": 4]) }
            try await withResultsRecorder(broker: env.broker) { results in
                _ = try await env.stack.startAPI()
                let doomed = try await env.stack.startWorker(1)
                let other = try await env.stack.startWorker(2)
                let doomedOwner = try #require(doomed.owner)
                step("two workers in the group")

                let driver = LoadDriver(apiURL: env.stack.apiURL, concurrency: 4, pause: .milliseconds(40))
                var tally = LoadTally()
                let planned = LoadDriver.plan(0..<40, senders: env.check.senders)
                async let load = driver.post(planned)

                // Kill the first worker the moment its publisher holds events it has not
                // acknowledged yet (claimed, so nobody else publishes them before the hold ends),
                // or else right after it committed a final status.
                var caught: [OutboxRow] = []
                let inHand = try await eventually(timeout: .seconds(25), every: .milliseconds(5)) {
                    caught = try OutboxRow.all(env.file).filter { $0.claimedBy == doomedOwner }
                    return !caught.isEmpty
                }
                if !inHand { try await doomed.waitForLog("transaction confirmed", timeout: .seconds(20)) }
                await doomed.kill9()
                let leftover = try OutboxRow.all(env.file)
                step("worker 1 killed with \(caught.count) events claimed by it, \(leftover.count) in the outbox")
                tally.add(await load)

                // Callers that wait for the outcome while the dead worker's partitions move.
                let apiURL = env.stack.apiURL
                let waiting = try await withThrowingTaskGroup(of: WaitedAnswer.self) { group in
                    for index in 0..<4 {
                        let post = PlannedPost(sender: env.check.senders[index % env.check.senders.count], weight: UInt64(1000 + index))
                        group.addTask { try await WaitedAnswer.post(post, apiURL: apiURL, wait: 25) }
                    }
                    _ = try await env.stack.startWorker(1, waitForAssignment: false)
                    step("worker 1 restarted")
                    return try await group.reduce(into: []) { $0.append($1) }
                }
                var accepted = tally.accepted
                for answer in waiting { accepted[answer.id] = answer.post }
                #expect(tally.acceptedAnswers == 40)

                let records = try await StoreView.waitUntilSettled(env.store, ids: accepted.keys, timeout: .seconds(60))
                step("store settled")
                let onChain = try await env.check.verify(records: records, accepted: accepted)
                #expect(onChain == UInt64(accepted.count))
                let delivered = try await results.waitForFinal(accepted.keys, timeout: .seconds(45))
                #expect(delivered, "final statuses missing from the results topic")
                step("results delivered")
                let summary = DeliveryCheck.verify(results.all, against: records)
                for row in leftover {
                    #expect(
                        results.all.contains { $0.id == row.event.id && $0.sequence == row.event.sequence },
                        "event \(row.event.sequence) (\(row.event.status)) of \(row.event.id), in the outbox at the kill, never reached the topic")
                }
                #expect(try env.file.outboxCount() == 0, "events left in the outbox")
                #expect(results.undecodableCount == 0)
                for answer in waiting {
                    #expect(answer.status == 200, "Prefer: wait answered \(answer.status): \(answer.body)")
                    #expect(["submitted", "replaced", "mined", "confirmed"].contains(answer.reported ?? ""), "Prefer: wait reported \(answer.body)")
                    #expect(answer.elapsed < .seconds(25), "Prefer: wait ran to its deadline (\(answer.elapsed)): the results tail missed the outcome")
                }
                #expect(other.isRunning)
                print(
                    "end-to-end delivery-kill: requests \(summary.requests), events \(summary.events), redelivered \(summary.redelivered), strictly ordered \(summary.strictlyOrdered), claimed by the killed worker \(caught.count), in the outbox at the kill \(leftover.count), Prefer: wait \(waiting.map { "\($0.status) \($0.reported ?? "?") in \($0.elapsed)" }), \(ContinuousClock.now - started)")
            }
        }
    }
}

/// One outbox row, read from the file.
struct OutboxRow {
    let sequence: Int
    let event: StatusEvent
    let claimedBy: String?

    static func all(_ file: StoreTables) throws -> [OutboxRow] {
        try file.rows("SELECT sequence, payload, claimed_by FROM outbox ORDER BY sequence").compactMap { row in
            guard let sequence = Int(row["sequence"] ?? ""), let payload = row["payload"].flatMap(Self.bytes),
                  let event = try? TopicCoding.decoder().decode(StatusEvent.self, from: Data(payload))
            else { return nil }
            return OutboxRow(sequence: sequence, event: event, claimedBy: row["claimed_by"])
        }
    }

    private static func bytes(_ hex: String) -> [UInt8]? {
        var bytes: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2, limitedBy: hex.endIndex) ?? hex.endIndex
            guard let byte = UInt8(hex[index..<next], radix: 16) else { return nil }
            bytes.append(byte)
            index = next
        }
        return bytes
    }
}

/// A POST with `Prefer: wait`, and what it answered.
struct WaitedAnswer: Sendable {
    let post: PlannedPost
    let id: RequestID
    let status: Int
    let body: String
    /// The status the answer reports.
    let reported: String?
    let elapsed: Duration

    static func post(_ planned: PlannedPost, apiURL: String, wait: Int) async throws -> WaitedAnswer {
        var request = HTTPClientRequest(url: "\(apiURL)/transaction/broadcast")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "Prefer", value: "wait=\(wait)")
        request.body = .bytes(ByteBuffer(
            string: #"{"message_type": "\#(planned.sender.signature)", "data": "\#(planned.sender.calldata(weight: planned.weight))"}"#))
        let begun = ContinuousClock.now
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(Int64(wait) + 15))
        let text = String(buffer: try await response.body.collect(upTo: 1 << 20))
        let elapsed = ContinuousClock.now - begun
        struct Answer: Decodable {
            let id: RequestID
            let status: String?
        }
        let answer = try JSONDecoder().decode(Answer.self, from: Data(text.utf8))
        return WaitedAnswer(
            post: planned, id: answer.id, status: Int(response.status.code), body: text, reported: answer.status, elapsed: elapsed)
    }
}
