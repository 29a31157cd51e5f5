import BroadcastModel
import Foundation
import Kafka
import Logging
import ServiceLifecycle

/// Reads the results topic from its end and hands each status event to the waiting callers.
struct ResultsListener: Service {
    let tail: KafkaTopicTail
    let waiters: OutcomeWaiters
    let logger: Logger

    func run() async throws {
        try await withThrowingDiscardingTaskGroup { group in
            group.addTask { try await tail.run() }
            for await message in tail.messages {
                do {
                    let event = try TopicCoding.decoder().decode(StatusEvent.self, from: Data(message.value))
                    await waiters.deliver(event)
                } catch {
                    logger.warning("skipping a results message that is not a status event (partition \(message.partition), offset \(message.offset)): \(error)")
                }
            }
        }
    }
}
