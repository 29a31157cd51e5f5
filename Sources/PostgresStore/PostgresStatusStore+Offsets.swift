import Dispatch
import Foundation
import PostgresNIO
import StatusStore
import Synchronization

extension PostgresStatusStore {
    public func startingOffsets(group: String, topic: String, partitions: [Int32]) throws -> [Int32: Int64] {
        guard !partitions.isEmpty else { return [:] }
        return try blocking("read the consumed offsets of \(topic)") { [self] in
            try await read { connection in
                let rows = try await connection.all(
                    """
                    SELECT partition, next_offset FROM consumer_offsets
                    WHERE consumer_group = \(group) AND topic = \(topic) AND partition = ANY(\(partitions))
                    """, logger)
                var offsets: [Int32: Int64] = [:]
                for row in rows {
                    let (partition, offset) = try row.decode((Int32, Int64).self)
                    offsets[partition] = offset
                }
                return offsets
            }
        }
    }

    public func moveOffset(group: String, topic: String, partition: Int32, from stored: Int64, to offset: Int64) throws {
        try blocking("move the consumed offset of \(topic) partition \(partition)") { [self] in
            try await transaction { connection in
                try await connection.run(
                    """
                    UPDATE consumer_offsets SET next_offset = \(max(0, offset))
                    WHERE consumer_group = \(group) AND topic = \(topic) AND partition = \(partition) AND next_offset = \(stored)
                    """, logger)
            }
        }
    }

    /// Runs `work` on a task and waits for it on the calling thread, at most `bridgeTimeout`
    /// (the busy timeout plus the connect timeout): librdkafka's rebalance callback, which
    /// asks for offsets, cannot await. The caller's thread is librdkafka's, never one of the
    /// event loop threads the task needs, so the wait cannot starve it.
    private func blocking<T: Sendable>(_ what: String, _ work: @escaping @Sendable () async throws -> T) throws -> T {
        let outcome = Mutex<Result<T, any Error>?>(nil)
        let done = DispatchSemaphore(value: 0)
        // Unstructured on purpose: the caller is synchronous, there is no task to be a child of.
        let task = Task {
            let result: Result<T, any Error>
            do {
                result = .success(try await work())
            } catch {
                result = .failure(error)
            }
            outcome.withLock { $0 = result }
            done.signal()
        }
        let milliseconds = Int(clamping: bridgeTimeout.wholeMilliseconds)
        guard done.wait(timeout: .now() + .milliseconds(milliseconds)) == .success else {
            task.cancel()
            throw StatusStoreError(
                .busy,
                "could not \(what) within \(bridgeTimeout) (store.busyTimeout + store.connectTimeout); the status store's server is slow or unreachable. Nothing was changed by this call; it can be retried")
        }
        guard let result = outcome.withLock({ $0 }) else {
            throw StatusStoreError(.storageFailure, "could not \(what): the answer was lost; this is a bug in the PostgreSQL engine")
        }
        return try result.get()
    }
}
