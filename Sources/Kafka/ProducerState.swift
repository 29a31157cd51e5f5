/// The sends a producer is waiting on: one continuation per message id, resumed exactly once,
/// by the delivery report, by cancellation, at its deadline, or at shutdown.
///
/// A plain value, kept behind a `Mutex` by its owner; methods return what to resume so that
/// continuations are resumed outside the lock.
///
/// Deadlines are the backstop over librdkafka's own `message.timeout.ms`, in case a delivery
/// report never comes. Every send of one producer gets the same timeout, so deadlines arrive
/// in registration order: a FIFO holds them, a send costs one append, and `expire(at:)` looks
/// only at the front (entries of sends already completed are dropped when they reach it).
struct ProducerState {
    typealias Continuation = CheckedContinuation<Result<KafkaDeliveryReport, KafkaError>, Never>

    enum RegisterAction {
        /// Hand the message to librdkafka.
        case produce
        /// Resume the continuation with this error; nothing was produced.
        case fail(KafkaError)
    }

    private var closing = false
    private var nextID: UInt = 1
    private var waiting: [UInt: Continuation] = [:]
    /// (id, deadline) in registration order, from `deadlineHead` on; ids may be completed already.
    private var deadlines: [(id: UInt, at: ContinuousClock.Instant)] = []
    private var deadlineHead = 0
    /// Ids whose task was cancelled before its continuation was registered.
    private var cancelledEarly: Set<UInt> = []

    var pendingCount: Int { waiting.count }

    /// A fresh message id (never 0, which would read as a null opaque pointer).
    mutating func makeID() -> UInt {
        defer { nextID &+= 1 }
        return nextID
    }

    /// Registers a send that fails at `deadline` unless its delivery report came before.
    /// Deadlines must not decrease from one call to the next (one timeout per producer).
    mutating func register(_ id: UInt, _ continuation: Continuation, deadline: ContinuousClock.Instant) -> RegisterAction {
        if cancelledEarly.remove(id) != nil {
            return .fail(KafkaError(.cancelled, "the send was cancelled before the message was produced"))
        }
        if closing {
            return .fail(.shutDown("the message was not produced"))
        }
        waiting[id] = continuation
        deadlines.append((id, deadline))
        return .produce
    }

    /// The sends still waiting at their deadline, removed: the caller fails them.
    mutating func expire(at now: ContinuousClock.Instant) -> [Continuation] {
        var expired: [Continuation] = []
        while deadlineHead < deadlines.count, deadlines[deadlineHead].at <= now {
            if let continuation = waiting.removeValue(forKey: deadlines[deadlineHead].id) {
                expired.append(continuation)
            }
            deadlineHead += 1
        }
        // Drop the consumed front once it is most of the storage: amortized O(1) per send.
        if deadlineHead > 1024, deadlineHead * 2 > deadlines.count {
            deadlines.removeFirst(deadlineHead)
            deadlineHead = 0
        }
        return expired
    }

    /// Deadlines held, consumed or not (tests: the FIFO must not grow without bound).
    var deadlineStorage: Int { deadlines.count }

    /// The continuation to resume with a delivery outcome, if it is still waiting.
    mutating func complete(_ id: UInt) -> Continuation? {
        waiting.removeValue(forKey: id)
    }

    /// The continuation to resume with a cancellation error; a later delivery report for the
    /// same id is ignored.
    mutating func cancel(_ id: UInt) -> Continuation? {
        if let continuation = waiting.removeValue(forKey: id) { return continuation }
        cancelledEarly.insert(id)
        return nil
    }

    /// From now on new sends fail at once.
    mutating func beginClosing() {
        closing = true
    }

    /// Every continuation still waiting, to be failed; the state stays closed.
    mutating func takeAllWaiting() -> [Continuation] {
        closing = true
        defer {
            waiting = [:]
            deadlines = []
            deadlineHead = 0
        }
        return Array(waiting.values)
    }
}
