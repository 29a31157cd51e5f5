import Synchronization

/// A lane's inputs: queued by anyone (intake, the chain watcher, the lane's own calls), taken
/// by the lane all at once. Under load a lane gets thousands of inputs a second (send results,
/// inclusions, new requests); taking them together lets it store their changes in one
/// transaction and plan its next actions once, instead of once per input.
///
/// ```swift
/// let inbox = LaneInbox<Input>()
/// inbox.yield(.wake)                       // from any task
/// for await _ in inbox.signals {           // the lane's task alone
///     for input in inbox.drain() { … }
/// }
/// ```
final class LaneInbox<Input: Sendable>: Sendable {
    private let queued = Mutex<[Input]>([])
    /// One element whenever something was queued since the last one was taken; the stream's
    /// iteration ends when the iterating task is cancelled.
    let signals: AsyncStream<Void>
    private let signal: AsyncStream<Void>.Continuation

    init() {
        (signals, signal) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    func yield(_ input: Input) {
        queued.withLock { $0.append(input) }
        // After the append: a signal taken before it was queued is followed by this one.
        signal.yield()
    }

    /// Everything queued, in order, leaving nothing.
    func drain() -> [Input] {
        queued.withLock { queue in
            defer { queue.removeAll(keepingCapacity: true) }
            return queue
        }
    }
}
