import BroadcastModel
import Logging

/// Sends status events through `deliver` (a produce to the results topic that returns once
/// acked) from a bounded buffer, several at a time, so a slow or unreachable broker never holds
/// up a broadcast: `publish` only enqueues, and when the buffer is full the event is dropped
/// with a warning (the store still has the status).
public final class ResultsPublisher: StatusPublisher, Sendable {
    public typealias Deliver = @Sendable (StatusEvent) async throws -> Void

    private let deliver: Deliver
    private let events: AsyncStream<StatusEvent>
    private let continuation: AsyncStream<StatusEvent>.Continuation
    private let maxConcurrentSends: Int
    private let logger: Logger

    /// - Parameters:
    ///   - capacity: events buffered while the broker is slow; more are dropped.
    ///   - maxConcurrentSends: produce calls awaiting their ack at once.
    public init(capacity: Int = 100_000, maxConcurrentSends: Int = 1024, logger: Logger, deliver: @escaping Deliver) {
        (events, continuation) = AsyncStream.makeStream(of: StatusEvent.self, bufferingPolicy: .bufferingOldest(capacity))
        self.deliver = deliver
        self.maxConcurrentSends = max(1, maxConcurrentSends)
        self.logger = logger
    }

    public func publish(_ event: StatusEvent) {
        if case .dropped = continuation.yield(event) {
            logger.warning(
                "results buffer full; status event not published (the store has it)",
                metadata: ["request_id": "\(event.id)", "status": "\(event.status)"])
        }
    }

    /// Stops taking events; `run` returns once the buffered ones are sent (or fail).
    public func finish() {
        continuation.finish()
    }

    /// Sends buffered events until `finish` and the buffer is drained, or until cancelled.
    public func run() async {
        await withTaskGroup(of: Void.self) { group in
            var sending = 0
            for await event in events {
                if sending >= maxConcurrentSends {
                    await group.next()
                    sending -= 1
                }
                sending += 1
                group.addTask { [deliver, logger] in
                    do {
                        try await deliver(event)
                    } catch {
                        logger.warning(
                            "status event not published to the results topic (the store has it)",
                            metadata: ["request_id": "\(event.id)", "status": "\(event.status)", "error": "\(error)"])
                    }
                }
            }
        }
    }
}
