/// Bounds the node calls a worker's lanes have in flight at once (`worker.maxInFlight`):
/// a call beyond the bound waits for one to finish, so a burst of due sends queues here, in
/// order. Calls, not connections: the RPC client carries them as batches over
/// `rpc.connections` connections per endpoint, and a call it cannot put on the wire waits in
/// the endpoint's queue (bounded by `rpc.connectionWait`), not against its call timeout.
actor CallLimiter {
    private let limit: Int
    private var running = 0
    private var waiters: [CheckedContinuation<Void, Never>] = []
    private var head = 0

    init(limit: Int) {
        self.limit = max(1, limit)
    }

    /// Runs `call` once a slot is free.
    func run<T: Sendable>(_ call: @Sendable () async -> T) async -> T {
        await acquire()
        let result = await call()
        release()
        return result
    }

    var inFlight: Int { running }
    var queued: Int { waiters.count - head }

    private func acquire() async {
        if running < limit {
            running += 1
            return
        }
        await withCheckedContinuation { waiters.append($0) }
    }

    private func release() {
        if head < waiters.count {
            let next = waiters[head]
            head += 1
            if head > 1024 && head * 2 > waiters.count {
                waiters.removeFirst(head)
                head = 0
            }
            next.resume()
        } else {
            running -= 1
        }
    }
}
