import Synchronization
import StatusStore

extension PostgresStatusStore {
    /// The most a store call may wait for a pooled connection: other calls holding every
    /// connection wait on locks at most `busyTimeout` each, a new connection takes at most
    /// `connectTimeout`, and `leaseMargin` covers a loaded machine.
    var connectionWait: Duration { bridgeTimeout + Self.leaseMargin }

    static let leaseMargin: Duration = .seconds(30)

    /// Runs `operation`, which leases a pooled connection and calls `leased()` once it has it,
    /// failing with a transient `busy` when no connection came within `connectionWait`.
    ///
    /// postgres-nio's pool waits for a connection without a bound of its own: when the server
    /// goes away, a lease can wait a minute or more (until the pool's breaker trips), and the
    /// worker with it. The lease is cancellable, so cancelling the call then ends it. Only the
    /// wait is bounded: statements, once running, take as long as they take (lock waits end at
    /// `lock_timeout`, a dead connection fails at once).
    func bounded<T: Sendable>(_ operation: (_ leased: @Sendable () -> Void) async throws -> T) async throws -> T {
        let wait = connectionWait
        let lease = LeaseFlag()
        return try await withoutActuallyEscaping(operation) { escapable in
            // The child runs the operation while this task only waits for it: nothing touches
            // what the closure captured from two tasks at once, and the group ends both children
            // before the closure's scope does.
            let call = UncheckedCall(run: escapable)
            return try await withThrowingTaskGroup(of: CallOutcome<T>.self) { group in
                group.addTask { .finished(try await call.run { lease.taken.store(true, ordering: .relaxed) }) }
                group.addTask {
                    try await Task.sleep(for: wait)
                    return lease.taken.load(ordering: .relaxed) ? .stillRunning : .noConnection
                }
                defer { group.cancelAll() }
                while let outcome = try await group.next() {
                    switch outcome {
                    case .finished(let value):
                        return value
                    case .stillRunning:
                        continue
                    case .noConnection:
                        throw StatusStoreError(
                            .busy,
                            "no connection to the status store's server within \(wait) (store.busyTimeout + store.connectTimeout + \(Self.leaseMargin)); it is down, unreachable, or every pooled connection is busy. Nothing was written; try again")
                    }
                }
                throw CancellationError()
            }
        }
    }
}

private final class LeaseFlag: Sendable {
    let taken = Atomic<Bool>(false)
}

private enum CallOutcome<T: Sendable>: Sendable {
    case finished(T)
    case stillRunning
    case noConnection
}

private struct UncheckedCall<T>: @unchecked Sendable {
    let run: (_ leased: @Sendable () -> Void) async throws -> T
}
