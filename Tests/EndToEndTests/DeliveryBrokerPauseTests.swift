import BroadcastModel
import DevChainSupport
import Foundation
import KafkaTestSupport
import SQLiteStore
import StatusStore
import Testing

/// Item 9 of issue 7: with the broker frozen (SIGSTOP: it keeps its memory storage, unlike a
/// restart of the local broker), requests go on to the chain and their status events wait in
/// the store's outbox; once it answers again they arrive, in order per request.
@Suite("End to end: status events wait in the outbox while the broker is away", .serialized)
struct DeliveryBrokerPauseTests {
    static let senderCount = 3

    @Test("broker frozen for 12 s while requests are mined: events pile up in the outbox, then every change reaches broadcaster.results in order; a Prefer: wait caller hears the outcome once it is back")
    func brokerPaused() async throws {
        let started = ContinuousClock.now
        func step(_ what: String) { print("end-to-end delivery-broker-pause: \(what) at \(ContinuousClock.now - started)") }
        try await withStackEnvironment(senderCount: Self.senderCount) { env in
            let node = try await env.proxy(steadyNode(seconds: 0.5))
            try env.configure(rpcURLs: [node.url])
            let broker = env.broker
            try await withResultsRecorder(broker: env.broker) { results in
                _ = try await env.stack.startAPI()
                let worker = try await env.stack.startWorker(1)
                step("worker in the group")

                let driver = LoadDriver(apiURL: env.stack.apiURL, concurrency: 3, pause: .zero)
                var tally = LoadTally()
                tally.add(await driver.post(LoadDriver.plan(0..<15, senders: env.check.senders)))
                #expect(tally.acceptedAnswers == 15)
                // One caller waits for its outcome across the pause.
                let apiURL = env.stack.apiURL
                let waitedPost = PlannedPost(sender: env.check.senders[0], weight: 500)
                async let waited = WaitedAnswer.post(waitedPost, apiURL: apiURL, wait: 40)
                _ = try await eventually(timeout: .seconds(20)) { try env.file.requestCount() == 16 }
                let statusesBefore = try await env.store.countsByStatus()
                try await broker.freeze()
                let pausedAt = ContinuousClock.now
                step("broker frozen with statuses \(statusesBefore.mapKeys(\.rawValue))")
                defer { broker.thaw() }

                // The chain goes on; every change is committed with its event, which waits.
                var most = 0
                while ContinuousClock.now - pausedAt < .seconds(12) {
                    most = max(most, try env.file.outboxCount())
                    try await Task.sleep(for: .milliseconds(250))
                }
                let statusesPaused = try await env.store.countsByStatus()
                let heardWhilePaused = results.all.count
                broker.thaw()
                step("broker thawed; at most \(most) events waited in the outbox; statuses \(statusesPaused.mapKeys(\.rawValue))")
                #expect((statusesPaused[.confirmed] ?? 0) > (statusesBefore[.confirmed] ?? 0), "nothing was confirmed while the broker was away")
                #expect(most > 0, "no event waited in the outbox while the broker was frozen")

                let answer = try await waited
                var accepted = tally.accepted
                accepted[answer.id] = waitedPost
                let records = try await StoreView.waitUntilSettled(env.store, ids: accepted.keys, timeout: .seconds(45))
                let onChain = try await env.check.verify(records: records, accepted: accepted)
                #expect(onChain == 16)
                let delivered = try await results.waitForFinal(accepted.keys, timeout: .seconds(45))
                #expect(delivered, "final statuses missing from the results topic")
                let summary = DeliveryCheck.verify(results.all, against: records)
                #expect(try env.file.outboxCount() == 0, "events left in the outbox")
                #expect(answer.status == 200, "Prefer: wait answered \(answer.status): \(answer.body)")
                #expect(["submitted", "replaced", "mined", "confirmed"].contains(answer.reported ?? ""), "\(answer.body)")
                #expect(answer.elapsed < .seconds(40), "Prefer: wait ran to its deadline: the results tail never heard the outcome")
                #expect(worker.isRunning)
                print(
                    "end-to-end delivery-broker-pause: outbox held at most \(most), events heard before the thaw \(heardWhilePaused), after \(summary.events) (redelivered \(summary.redelivered), strictly ordered requests \(summary.strictlyOrdered)/\(summary.requests)), not-published warnings \(worker.lines(containing: "status event not published yet")), Prefer: wait \(answer.status) \(answer.reported ?? "?") after \(answer.elapsed), \(ContinuousClock.now - started)")
            }
        }
    }
}

extension Dictionary {
    func mapKeys<T: Hashable>(_ transform: (Key) -> T) -> [T: Value] {
        Dictionary<T, Value>(uniqueKeysWithValues: map { (transform($0.key), $0.value) })
    }
}
