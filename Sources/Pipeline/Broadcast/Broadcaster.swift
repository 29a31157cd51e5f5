import BroadcastModel
import Foundation
import Logging

/// Broadcasts stored transactions: at most `maxInFlight` attempts at once, each a child task of
/// one task group, fed by a ``BroadcastQueue`` that holds the waiting ones until they are due.
///
/// Everything reaches the scheduling loop as an input on one stream (a submitted record, a
/// finished attempt, a timer, a drain request), so the queue has a single owner and needs no
/// lock. One timer task is armed for the earliest due time; a retry waiting for its time costs
/// a heap entry, not a task or a slot.
///
/// ```swift
/// let broadcaster = Broadcaster(runner: runner, maxInFlight: 4096, drainGrace: .seconds(10), metrics: metrics, logger: logger)
/// async let running: Void = broadcaster.run()
/// broadcaster.submit(record)
/// broadcaster.drain()   // on shutdown: no new attempts; in-flight ones get `drainGrace`
/// ```
final class Broadcaster: Sendable {
    private enum Input: Sendable {
        case submit(TransactionRecord, dueAt: ContinuousClock.Instant)
        case finished(TransactionRecord, BroadcastAttemptRunner.Next)
        case wake(ContinuousClock.Instant)
        case drain
        case graceOver
    }

    private let runner: BroadcastAttemptRunner
    private let maxInFlight: Int
    private let drainGrace: Duration
    private let logger: Logger
    private let metrics: WorkerMetrics
    private let clock = ContinuousClock()
    private let inputs: AsyncStream<Input>
    private let continuation: AsyncStream<Input>.Continuation

    init(runner: BroadcastAttemptRunner, maxInFlight: Int, drainGrace: Duration, metrics: WorkerMetrics, logger: Logger) {
        self.runner = runner
        self.maxInFlight = maxInFlight
        self.drainGrace = drainGrace
        self.metrics = metrics
        self.logger = logger
        (inputs, continuation) = AsyncStream.makeStream(of: Input.self)
    }

    /// Schedules an attempt of `record`: at its `nextAttemptAt` if that is still ahead, else
    /// now. Ignored if the record is already waiting or in flight here.
    func submit(_ record: TransactionRecord) {
        let wait = max(0, record.nextAttemptAt?.timeIntervalSinceNow ?? 0)
        continuation.yield(.submit(record, dueAt: clock.now + .milliseconds(Int64(wait * 1000))))
    }

    /// Starts no new attempt from now on; `run` returns once the attempts in flight finish, or
    /// after `drainGrace` (cancelling them). What did not finish stays in the store as it was.
    func drain() {
        continuation.yield(.drain)
    }

    /// The scheduling loop; returns after `drain` (or when cancelled).
    func run() async {
        await withDiscardingTaskGroup { group in
            var queue = BroadcastQueue<ContinuousClock.Instant>(maxInFlight: maxInFlight)
            var armed: ContinuousClock.Instant?
            var draining = false
            loop: for await input in inputs {
                switch input {
                case .submit(let record, let dueAt):
                    if !draining { queue.submit(record, dueAt: dueAt) }
                case .finished(let record, .retry(let delay, let updated)):
                    queue.finish(record.id, retryAt: draining ? nil : clock.now + delay, with: updated)
                case .finished(let record, .done), .finished(let record, .abandoned):
                    queue.finish(record.id, retryAt: nil, with: record)
                case .wake(let deadline):
                    if armed == deadline { armed = nil }
                case .drain:
                    guard !draining else { break }
                    draining = true
                    logger.info(
                        "broadcaster draining",
                        metadata: ["in_flight": "\(queue.inFlightCount)", "waiting": "\(queue.waitingCount)"])
                    group.addTask { [continuation, drainGrace] in
                        try? await Task.sleep(for: drainGrace)
                        continuation.yield(.graceOver)
                    }
                case .graceOver:
                    logger.warning(
                        "drain grace period over; abandoning attempts in flight (the store keeps them for the next start)",
                        metadata: ["in_flight": "\(queue.inFlightCount)"])
                    break loop
                }
                if draining {
                    metrics.broadcastQueue(inFlight: queue.inFlightCount, waiting: 0)
                    if queue.inFlightCount == 0 { break loop }
                    continue
                }
                for record in queue.takeDue(at: clock.now) {
                    group.addTask { [runner, continuation] in
                        let next = await runner.attempt(record)
                        continuation.yield(.finished(record, next))
                    }
                }
                metrics.broadcastQueue(inFlight: queue.inFlightCount, waiting: queue.waitingCount)
                if let due = queue.nextDue, armed.map({ due < $0 }) ?? true {
                    armed = due
                    group.addTask { [clock, continuation] in
                        guard (try? await clock.sleep(until: due)) != nil else { return }
                        continuation.yield(.wake(due))
                    }
                }
            }
            group.cancelAll()
        }
    }
}
