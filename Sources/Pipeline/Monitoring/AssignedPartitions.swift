import Synchronization

/// The partitions of the requests topic this worker holds now, as the intake loop last saw
/// them; read by the monitor to measure their lag.
final class AssignedPartitions: Sendable {
    private let partitions = Mutex<Set<Int32>>([])

    func assigned(_ added: some Sequence<Int32>) {
        partitions.withLock { $0.formUnion(added) }
    }

    func revoked(_ removed: some Sequence<Int32>) {
        partitions.withLock { $0.subtract(removed) }
    }

    var current: [Int32] {
        partitions.withLock { $0.sorted() }
    }
}
