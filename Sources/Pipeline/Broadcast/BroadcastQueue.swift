import BroadcastModel

/// Which transactions are waiting for an attempt, which are in flight, and what is due next:
/// the broadcaster's whole schedule as a pure value, driven by the caller's clock.
///
/// A transaction waiting for its next attempt only sits in a heap: it holds no in-flight slot
/// and blocks nothing. At most `maxInFlight` attempts run at once; a request is known at most
/// once, so submitting one that is already waiting or in flight changes nothing.
///
/// ```swift
/// var queue = BroadcastQueue<ContinuousClock.Instant>(maxInFlight: 4096)
/// queue.submit(record, dueAt: clock.now)
/// for record in queue.takeDue(at: clock.now) { /* start an attempt */ }
/// queue.finish(record.id, retryAt: clock.now + .seconds(2), with: updated)  // or retryAt: nil
/// ```
public struct BroadcastQueue<Instant: InstantProtocol & Sendable>: Sendable {
    /// Attempts allowed to run at once.
    public let maxInFlight: Int
    private var waiting = DueHeap<Instant, TransactionRecord>()
    private var known: Set<RequestID> = []
    private var running: Set<RequestID> = []

    public init(maxInFlight: Int) {
        self.maxInFlight = max(1, maxInFlight)
    }

    public var inFlightCount: Int { running.count }
    public var waitingCount: Int { waiting.count }
    /// Nothing waiting and nothing in flight.
    public var isIdle: Bool { known.isEmpty }

    public func contains(_ id: RequestID) -> Bool { known.contains(id) }

    /// Schedules `record` for an attempt at `dueAt`; false (and nothing changes) if it is
    /// already waiting or in flight here.
    @discardableResult
    public mutating func submit(_ record: TransactionRecord, dueAt: Instant) -> Bool {
        guard known.insert(record.id).inserted else { return false }
        waiting.insert(record, due: dueAt)
        return true
    }

    /// The records due at `now`, earliest first, as many as there are free slots; they are
    /// in flight from now on until `finish`.
    public mutating func takeDue(at now: Instant) -> [TransactionRecord] {
        var due: [TransactionRecord] = []
        while running.count < maxInFlight, let record = waiting.popDue(at: now) {
            running.insert(record.id)
            due.append(record)
        }
        return due
    }

    /// When the next attempt may start: the earliest due time while a slot is free, nil when
    /// nothing waits or every slot is taken (a finishing attempt frees one).
    public var nextDue: Instant? {
        running.count < maxInFlight ? waiting.earliest : nil
    }

    /// Ends the attempt of `id`: schedules `record` again at `retryAt`, or forgets it when
    /// `retryAt` is nil (final, or left to the store for a later process).
    public mutating func finish(_ id: RequestID, retryAt: Instant?, with record: TransactionRecord) {
        guard running.remove(id) != nil else { return }
        if let retryAt {
            waiting.insert(record, due: retryAt)
        } else {
            known.remove(id)
        }
    }
}
