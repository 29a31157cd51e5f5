import BroadcastModel

/// Callers waiting (`Prefer: wait`) for status events of their request.
///
/// A waiter registers before its request is produced, so no event of it can slip by between
/// the produce and the wait.
actor OutcomeWaiters {
    struct Registration: Sendable {
        let id: RequestID
        let token: Int
        let events: AsyncStream<StatusEvent>
    }

    private var waiting: [RequestID: [Int: AsyncStream<StatusEvent>.Continuation]] = [:]
    private var nextToken = 0

    func register(_ id: RequestID) -> Registration {
        let (stream, continuation) = AsyncStream.makeStream(of: StatusEvent.self, bufferingPolicy: .bufferingNewest(8))
        nextToken += 1
        waiting[id, default: [:]][nextToken] = continuation
        return Registration(id: id, token: nextToken, events: stream)
    }

    func unregister(_ registration: Registration) {
        waiting[registration.id]?.removeValue(forKey: registration.token)?.finish()
        if waiting[registration.id]?.isEmpty == true { waiting[registration.id] = nil }
    }

    func deliver(_ event: StatusEvent) {
        guard let continuations = waiting[event.id] else { return }
        for continuation in continuations.values {
            continuation.yield(event)
        }
    }

    var count: Int { waiting.values.reduce(0) { $0 + $1.count } }
}
