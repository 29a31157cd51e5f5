import Foundation
import Logging
import PostgresNIO
import StatusStore
import Synchronization

extension PostgresStatusStore {
    public func startingOffsets(group: String, topic: String, partitions: [Int32]) throws -> [Int32: Int64] {
        guard !partitions.isEmpty else { return [:] }
        let rows = try blocking(
            "read the consumed offsets of \(topic)",
            """
            SELECT partition, next_offset FROM consumer_offsets
            WHERE consumer_group = \(group) AND topic = \(topic) AND partition = ANY(\(partitions))
            """)
        var offsets: [Int32: Int64] = [:]
        for row in rows {
            let (partition, offset) = try row.decode((Int32, Int64).self)
            offsets[partition] = offset
        }
        return offsets
    }

    public func moveOffset(group: String, topic: String, partition: Int32, from stored: Int64, to offset: Int64) throws {
        _ = try blocking(
            "move the consumed offset of \(topic) partition \(partition)",
            """
            UPDATE consumer_offsets SET next_offset = \(max(0, offset))
            WHERE consumer_group = \(group) AND topic = \(topic) AND partition = \(partition) AND next_offset = \(stored)
            """)
    }

    /// Runs one statement on a connection of its own, driven by NIO's event loop futures, and
    /// waits for its rows on the calling thread, at most `bridgeTimeout` (the busy timeout plus
    /// the connect timeout): librdkafka's rebalance callback, which asks for offsets, cannot
    /// await. Nothing of it runs on Swift's cooperative pool, so a caller blocking one of
    /// its threads cannot starve the work it waits for; the caller's thread must not be an
    /// event loop's (librdkafka's never is). A rebalance is rare enough for a connection each.
    private func blocking(_ what: String, _ statement: PostgresQuery) throws -> [PostgresRow] {
        let eventLoop = PostgresConnection.defaultEventLoopGroup.any()
        let answer = eventLoop.makePromise(of: [PostgresRow].self)
        let timeout = eventLoop.scheduleTask(in: .milliseconds(max(1, bridgeTimeout.wholeMilliseconds))) {
            answer.fail(BridgeTimeout())
        }
        let logger = self.logger
        let lockTimeout = Self.milliseconds(self.lockTimeout)
        PostgresConnection.connect(
            on: eventLoop, configuration: connectionConfiguration, id: Self.bridgeConnections.add(1, ordering: .relaxed).newValue,
            logger: logger
        ).flatMap { connection in
            connection.query("SELECT set_config('lock_timeout', \(lockTimeout), false)", logger: logger)
                .flatMap { _ in connection.query(statement, logger: logger) }
                .always { _ in connection.close().whenComplete { _ in } }
        }.whenComplete { result in
            timeout.cancel()
            answer.completeWith(result.map(\.rows))
        }
        do {
            return try answer.futureResult.wait()
        } catch is BridgeTimeout {
            throw StatusStoreError(
                .busy,
                "could not \(what) within \(bridgeTimeout) (store.busyTimeout + store.connectTimeout); the status store's server is slow or unreachable. Try again")
        } catch {
            throw StoreFailure.mapped(error)
        }
    }

    /// Ids for the bridge's connections, in the logs.
    private static let bridgeConnections = Atomic<Int>(0)
}

private struct BridgeTimeout: Error {}
