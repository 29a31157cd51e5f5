import Synchronization

/// A value set once, awaited with a bound: a waiter whose bound passes gets nil and leaves,
/// so nothing waiting on a helper process can hang a test run.
final class Latch<Value: Sendable>: Sendable {
    private struct State {
        var value: Value?
        var waiters: [Int: CheckedContinuation<Value?, Never>] = [:]
        var nextWaiter = 0
    }

    private let state = Mutex(State())

    init() {}

    /// The value, if it has been set.
    var value: Value? { state.withLock { $0.value } }

    /// Sets the value and wakes every waiter; a second call is ignored.
    func set(_ value: Value) {
        let waiters = state.withLock { state -> [CheckedContinuation<Value?, Never>] in
            guard state.value == nil else { return [] }
            state.value = value
            defer { state.waiters = [:] }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.resume(returning: value) }
    }

    /// The value once it is set, or nil if `limit` passes first.
    func value(within limit: Duration) async -> Value? {
        await withCheckedContinuation { (continuation: CheckedContinuation<Value?, Never>) in
            let registered = state.withLock { state -> Int? in
                if state.value != nil { return nil }
                let id = state.nextWaiter
                state.nextWaiter += 1
                state.waiters[id] = continuation
                return id
            }
            guard let id = registered else {
                continuation.resume(returning: value)
                return
            }
            Task {
                try? await Task.sleep(for: limit)
                let expired = self.state.withLock { $0.waiters.removeValue(forKey: id) }
                expired?.resume(returning: nil)
            }
        }
    }
}
