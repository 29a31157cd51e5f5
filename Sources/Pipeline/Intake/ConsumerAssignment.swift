import Kafka
import Synchronization

/// The partitions the consumer holds now, updated as its events arrive: ahead of the intake
/// loop, which sees an assignment change only between batches.
///
/// Intake waiting for a sender's lease asks it whether the message's partition is still ours.
/// Without it, a worker whose partitions moved while it waited (a pause past its session, a
/// rebalance) took the sender once the old owner handed it over, and held it for a partition it
/// no longer read, while the partition's new owner waited for that lease in turn.
final class ConsumerAssignment: Sendable {
    private let partitions = Mutex<[String: Set<Int32>]>([:])

    func observe(_ event: KafkaConsumerEvent) {
        switch event {
        case .assigned(let numbers, let topic):
            partitions.withLock { $0[topic, default: []].formUnion(numbers) }
        case .revoked(let numbers, let topic):
            partitions.withLock { $0[topic]?.subtract(numbers) }
        case .message:
            break
        }
    }

    func partitions(of topic: String) -> [Int32] {
        partitions.withLock { $0[topic]?.sorted() ?? [] }
    }

    func holds(topic: String, partition: Int32) -> Bool {
        partitions.withLock { $0[topic]?.contains(partition) == true }
    }
}
