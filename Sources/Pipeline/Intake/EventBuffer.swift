/// Hands the intake loop everything consumed so far, in batches, so a batch is "up to the
/// batch size, or what is available now" instead of waiting to fill up.
///
/// One task appends (the consumer's event pump) and one takes (the intake loop). Appending
/// waits while `capacity` events are buffered, which passes back-pressure to the consumer.
actor EventBuffer<Event: Sendable> {
    private var events: [Event] = []
    private var head = 0
    private var finished = false
    private var taker: CheckedContinuation<Void, Never>?
    private var appender: CheckedContinuation<Void, Never>?
    private let capacity: Int

    init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    private var count: Int { events.count - head }

    /// Adds `event`; false once the buffer is finished (the event is dropped).
    func append(_ event: Event) async -> Bool {
        while !finished && count >= capacity {
            await withCheckedContinuation { appender = $0 }
        }
        guard !finished else { return false }
        events.append(event)
        taker?.resume()
        taker = nil
        return true
    }

    /// Up to `limit` buffered events, oldest first, waiting while there are none; nil once the
    /// buffer is finished and empty.
    func take(upTo limit: Int) async -> [Event]? {
        while count == 0 && !finished {
            await withCheckedContinuation { taker = $0 }
        }
        guard count > 0 else { return nil }
        let end = min(events.count, head + max(1, limit))
        let batch = Array(events[head..<end])
        head = end
        if head == events.count {
            events.removeAll(keepingCapacity: true)
            head = 0
        } else if head > 4096 {
            events.removeFirst(head)
            head = 0
        }
        appender?.resume()
        appender = nil
        return batch
    }

    /// Ends the buffer: waiting calls return, later appends are dropped, `take` hands out what
    /// is left, then nil.
    func finish() {
        finished = true
        taker?.resume()
        taker = nil
        appender?.resume()
        appender = nil
    }
}
