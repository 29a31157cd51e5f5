/// The sends a producer is waiting on: one continuation per message id, resumed exactly once,
/// by the delivery report, by cancellation, or at shutdown.
///
/// A plain value, kept behind a `Mutex` by its owner; methods return what to resume so that
/// continuations are resumed outside the lock.
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
    /// Ids whose task was cancelled before its continuation was registered.
    private var cancelledEarly: Set<UInt> = []

    var pendingCount: Int { waiting.count }

    /// A fresh message id (never 0, which would read as a null opaque pointer).
    mutating func makeID() -> UInt {
        defer { nextID &+= 1 }
        return nextID
    }

    mutating func register(_ id: UInt, _ continuation: Continuation) -> RegisterAction {
        if cancelledEarly.remove(id) != nil {
            return .fail(KafkaError(.cancelled, "the send was cancelled before the message was produced"))
        }
        if closing {
            return .fail(.shutDown("the message was not produced"))
        }
        waiting[id] = continuation
        return .produce
    }

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
        defer { waiting = [:] }
        return Array(waiting.values)
    }
}
