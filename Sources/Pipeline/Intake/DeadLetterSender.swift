import BroadcastModel
import Kafka
import Logging

/// Produces dead letters and returns only once the broker has acknowledged every one of them:
/// the intake stores a message's offset as consumed only after that, so a crash never loses one.
///
/// A dead letter the broker does not take is tried again, with backoff (capped at the policy's
/// longest delay), a log line and a metric, for as long as it takes: holding the partition is
/// better than losing the message, and the consumer cannot read on from an unreachable broker
/// anyway. `/readyz` shows the broker as unreachable meanwhile.
struct DeadLetterSender: Sendable {
    typealias Deliver = @Sendable (DeadLetter) async throws -> Void

    let deliver: Deliver
    let topic: String
    let backoff: RetryPolicy
    let metrics: WorkerMetrics
    let logger: Logger

    /// Returns once all of `letters` are acknowledged; throws only `CancellationError`.
    func send(_ letters: [DeadLetter]) async throws {
        guard !letters.isEmpty else { return }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for letter in letters {
                group.addTask { try await send(letter) }
            }
            try await group.waitForAll()
        }
    }

    private func send(_ letter: DeadLetter) async throws {
        var random = SystemRandomNumberGenerator()
        var failures = 0
        while true {
            do {
                try await deliver(letter)
                break
            } catch {
                try Task.checkCancellation()
                failures += 1
                let delay = backoff.delay(afterAttempt: min(failures, backoff.maxAttempts - 1), using: &random) ?? backoff.maxDelay
                let errorClass = (error as? KafkaError)?.code.name ?? "other"
                metrics.retry(stage: "dead_letter", class: errorClass)
                logger.warning(
                    "the dead-letter topic did not take a message; retrying (its offset is stored as consumed only once it is acknowledged)",
                    metadata: metadata(of: letter).merging(["retry_in": "\(delay)", "error": "\(error)"]) { _, new in new })
                try await Task.sleep(for: delay)
            }
        }
        metrics.deadLettered(reason: letter.reason.code)
        logger.error("message sent to the dead-letter topic", metadata: metadata(of: letter))
    }

    private func metadata(of letter: DeadLetter) -> Logger.Metadata {
        [
            "dead_letter_topic": "\(topic)", "source_topic": "\(letter.message.topic)",
            "partition": "\(letter.message.partition)", "offset": "\(letter.message.offset)",
            "reason_code": "\(letter.reason.code)", "reason": "\(letter.reason.text)",
        ]
    }
}
