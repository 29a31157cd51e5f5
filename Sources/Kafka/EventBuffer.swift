import Synchronization

/// A first-in first-out buffer between a librdkafka polling thread (which never waits) and
/// async readers (which wait when it is empty).
///
/// It never drops: the polling side watches `count` and pauses fetching when the buffer
/// holds enough, which is how a slow reader slows the consumer down without losing messages.
final class EventBuffer<Element: Sendable>: Sendable {
    private struct State {
        var queue: [Element] = []
        var head = 0
        var finished = false
        var nextWaiterID: UInt = 0
        var waiters: [(id: UInt, continuation: CheckedContinuation<Element?, Never>)] = []
        /// Readers that have an id but have not looked at the buffer yet.
        var unstarted: Set<UInt> = []
        /// Of those, the ones cancelled meanwhile: they return nil when they look.
        var cancelledEarly: Set<UInt> = []

        var count: Int { queue.count - head }

        mutating func popFirst() -> Element? {
            guard head < queue.count else { return nil }
            let element = queue[head]
            head += 1
            if head >= 1024 && head * 2 >= queue.count {
                queue.removeFirst(head)
                head = 0
            }
            return element
        }
    }

    private let state = Mutex(State())

    /// Elements waiting to be read.
    var count: Int { state.withLock { $0.count } }

    /// What the buffer keeps about its readers (tests: none of it may outlive a reader).
    var bookkeeping: EventBufferBookkeeping {
        state.withLock {
            EventBufferBookkeeping(
                waiting: $0.waiters.count, unstarted: $0.unstarted.count, cancelledEarly: $0.cancelledEarly.count)
        }
    }

    /// Adds an element (ignored once finished); hands it straight to a waiting reader if any.
    func push(_ element: Element) {
        let waiter = state.withLock { state -> CheckedContinuation<Element?, Never>? in
            guard !state.finished else { return nil }
            if !state.waiters.isEmpty { return state.waiters.removeFirst().continuation }
            state.queue.append(element)
            return nil
        }
        waiter?.resume(returning: element)
    }

    /// No more elements will come; readers get what is buffered, then nil.
    func finish() {
        let waiters = state.withLock { state in
            state.finished = true
            defer { state.waiters = [] }
            return state.waiters.map(\.continuation)
        }
        for waiter in waiters { waiter.resume(returning: nil) }
    }

    /// The next element; nil once finished and drained, or when the waiting task is cancelled.
    func next() async -> Element? {
        let id = state.withLock { state in
            defer { state.nextWaiterID &+= 1 }
            state.unstarted.insert(state.nextWaiterID)
            return state.nextWaiterID
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let immediate: Element?? = state.withLock { state in
                    state.unstarted.remove(id)
                    if state.cancelledEarly.remove(id) != nil { return .some(nil) }
                    if let element = state.popFirst() { return .some(element) }
                    if state.finished { return .some(nil) }
                    state.waiters.append((id, continuation))
                    return .none
                }
                if let immediate { continuation.resume(returning: immediate) }
            }
        } onCancel: {
            let waiter = state.withLock { state -> CheckedContinuation<Element?, Never>? in
                if let index = state.waiters.firstIndex(where: { $0.id == id }) {
                    return state.waiters.remove(at: index).continuation
                }
                // Not waiting: either it has not looked yet (it returns nil when it does), or it
                // was already served, and then there is nothing to undo.
                if state.unstarted.contains(id) { state.cancelledEarly.insert(id) }
                return nil
            }
            waiter?.resume(returning: nil)
        }
    }
}

/// Readers an `EventBuffer` knows about: waiting ones, ones that have not looked yet, and
/// cancellations not yet seen by their reader.
struct EventBufferBookkeeping: Equatable {
    var waiting = 0, unstarted = 0, cancelledEarly = 0
    static let empty = EventBufferBookkeeping()
}
