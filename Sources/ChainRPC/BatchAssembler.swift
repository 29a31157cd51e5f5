/// Which queued calls to one endpoint go out together, and when: a pure state machine over
/// call ids, driven with explicit instants so tests run it without a clock.
///
/// A batch leaves when it holds `batchSize` calls, or when its oldest call has waited
/// `window`, and only while fewer than `connections` batches are on the wire (HTTP/1.1 carries
/// one batch per connection at a time). A call that finds no free connection within
/// `connectionWait` of being queued is expired, never sent, so nothing waits for ever.
struct BatchAssembler: Sendable {
    struct Policy: Sendable, Hashable {
        var batchSize: Int
        var window: Duration
        var connections: Int
        var connectionWait: Duration
    }

    /// What the caller must do now.
    enum Action: Sendable, Hashable {
        /// Put these calls on the wire as one request, in this order.
        case send([Int])
        /// These calls waited `connectionWait` for a connection: fail them, unsent.
        case expire([Int])
    }

    private struct Entry: Sendable {
        let id: Int
        let queuedAt: ContinuousClock.Instant
    }

    let policy: Policy
    /// Oldest first.
    private var queue: [Entry] = []
    private(set) var batchesOnTheWire = 0

    init(policy: Policy) {
        self.policy = policy
    }

    var queuedCount: Int { queue.count }

    /// A new call joins the queue.
    mutating func enqueue(_ id: Int, at now: ContinuousClock.Instant) -> [Action] {
        queue.append(Entry(id: id, queuedAt: now))
        return drain(at: now)
    }

    /// A queued call's caller went away; false when the call is not queued (on the wire
    /// already, or answered).
    mutating func remove(_ id: Int) -> Bool {
        guard let index = queue.firstIndex(where: { $0.id == id }) else { return false }
        queue.remove(at: index)
        return true
    }

    /// A batch on the wire was answered or failed: its connection is free again.
    mutating func batchFinished(at now: ContinuousClock.Instant) -> [Action] {
        batchesOnTheWire = max(0, batchesOnTheWire - 1)
        return drain(at: now)
    }

    /// The instant `nextWake` named has come.
    mutating func tick(at now: ContinuousClock.Instant) -> [Action] {
        drain(at: now)
    }

    /// When `tick` must run next: the oldest call's window while a connection is free,
    /// else its connection wait; nil with nothing queued.
    var nextWake: ContinuousClock.Instant? {
        guard let oldest = queue.first else { return nil }
        let expiry = oldest.queuedAt + policy.connectionWait
        guard batchesOnTheWire < policy.connections else { return expiry }
        return min(oldest.queuedAt + policy.window, expiry)
    }

    private mutating func drain(at now: ContinuousClock.Instant) -> [Action] {
        var actions: [Action] = []
        let expired = queue.prefix { now - $0.queuedAt >= policy.connectionWait }
        if !expired.isEmpty {
            actions.append(.expire(expired.map(\.id)))
            queue.removeFirst(expired.count)
        }
        while batchesOnTheWire < policy.connections, let oldest = queue.first,
            queue.count >= policy.batchSize || now - oldest.queuedAt >= policy.window
        {
            let count = min(policy.batchSize, queue.count)
            actions.append(.send(queue.prefix(count).map(\.id)))
            queue.removeFirst(count)
            batchesOnTheWire += 1
        }
        return actions
    }
}
