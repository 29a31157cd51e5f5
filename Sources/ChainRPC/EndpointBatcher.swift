/// Queues the calls to one endpoint and puts them on the wire as JSON-RPC batches; the
/// decisions (when, which calls, whose answer) are ``BatchAssembler`` and ``BatchAnswer``,
/// this actor only carries them out.
///
/// With `batchSize` 1 every call goes out alone as a plain (non-batch) request body, for
/// nodes that take no batches.
actor EndpointBatcher {
    /// Puts one HTTP body holding `calls` calls on the wire and returns the answer's status and
    /// body; its timeout starts when it is called, that is when the batch has a connection of
    /// its own. It calls `onWire`, when given, as the body starts out to the node.
    typealias Send = @Sendable (_ body: [UInt8], _ calls: Int, _ onWire: (@Sendable () -> Void)?) async
        -> Result<(status: Int, body: [UInt8]), RPCFailure>

    private struct Waiter {
        let call: [UInt8]
        let onWire: (@Sendable () -> Void)?
        let continuation: CheckedContinuation<ElementAnswer, Never>
    }

    private var assembler: BatchAssembler
    private var waiters: [Int: Waiter] = [:]
    private var nextID = 1
    private let send: Send
    private var timer: Task<Void, Never>?
    private var timerDue: ContinuousClock.Instant?

    init(policy: BatchAssembler.Policy, send: @escaping Send) {
        self.assembler = BatchAssembler(policy: policy)
        self.send = send
    }

    /// Sends `call` (a JSON-RPC request object without an `id`, see ``JSONRPCCall``) in the
    /// next batch and returns its own share of the answer. Cancelling the caller fails the call
    /// with `.transport(.cancelled)` at once: a queued call leaves the queue, the answer of
    /// one already on the wire is dropped when it comes.
    ///
    /// `onWire` is called (on whatever thread writes the request) when the call's batch starts
    /// out on a live connection: from then on the node may act on it whatever the answer. It is
    /// not called for a call that never gets that far (refused, still connecting, expired in
    /// the queue, cancelled first).
    func submit(_ call: [UInt8], onWire: (@Sendable () -> Void)?) async -> ElementAnswer {
        let id = nextID
        nextID = nextID == Int.max ? 1 : nextID + 1
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<ElementAnswer, Never>) in
                waiters[id] = Waiter(call: call, onWire: onWire, continuation: continuation)
                carryOut(assembler.enqueue(id, at: .now))
            }
        } onCancel: {
            // The handler is synchronous and may run on any thread: hop onto the actor. The
            // hop is queued behind `submit` itself, so the waiter is always registered first.
            Task { await self.cancel(id) }
        }
    }

    var queuedCount: Int { assembler.queuedCount }
    var batchesOnTheWire: Int { assembler.batchesOnTheWire }

    private func cancel(_ id: Int) {
        guard let waiter = waiters.removeValue(forKey: id) else { return }
        _ = assembler.remove(id)
        waiter.continuation.resume(returning: .failure(.transport(.cancelled)))
        scheduleTimer()
    }

    private func carryOut(_ actions: [BatchAssembler.Action]) {
        for action in actions {
            switch action {
            case .send(let ids):
                dispatch(ids)
            case .expire(let ids):
                for id in ids {
                    waiters.removeValue(forKey: id)?.continuation.resume(returning: .failure(.transport(.noConnectionFree)))
                }
            }
        }
        scheduleTimer()
    }

    private func dispatch(_ ids: [Int]) {
        let plain = assembler.policy.batchSize == 1
        let body = Self.body(of: ids.map { ($0, waiters[$0]?.call ?? []) }, plain: plain)
        let listeners = ids.compactMap { waiters[$0]?.onWire }
        let onWire: (@Sendable () -> Void)? = listeners.isEmpty ? nil : { @Sendable in for listener in listeners { listener() } }
        let send = send
        // A batch serves many callers, so no caller's task may own it (its cancellation
        // would fail the others): the request runs in a task of its own, which always
        // reports back through `finish`.
        Task {
            let answer = await send(body, ids.count, onWire)
            await self.finish(ids, plain: plain, answer)
        }
    }

    private func finish(_ ids: [Int], plain: Bool, _ answer: Result<(status: Int, body: [UInt8]), RPCFailure>) {
        let shares: [Int: ElementAnswer]
        switch answer {
        case .failure(let failure):
            shares = Dictionary(uniqueKeysWithValues: ids.map { ($0, ElementAnswer.failure(failure)) })
        case .success(let (status, body)) where plain:
            shares = Dictionary(uniqueKeysWithValues: ids.map { ($0, ElementAnswer.answer(status: status, body: body)) })
        case .success(let (status, body)):
            shares = BatchAnswer.match(ids: ids, status: status, body: body)
        }
        for id in ids {
            // Absent: the caller was cancelled meanwhile and already told so.
            guard let waiter = waiters.removeValue(forKey: id) else { continue }
            waiter.continuation.resume(
                returning: shares[id] ?? .failure(.malformedResponse(reason: "no answer was matched to call id \(id)")))
        }
        carryOut(assembler.batchFinished(at: .now))
    }

    private func scheduleTimer() {
        guard let due = assembler.nextWake else {
            timer?.cancel()
            timer = nil
            timerDue = nil
            return
        }
        guard due != timerDue else { return }
        timer?.cancel()
        timerDue = due
        // One sleeping task per endpoint at most, replaced when the next wake moves.
        timer = Task { [weak self] in
            try? await Task.sleep(until: due, clock: .continuous)
            guard !Task.isCancelled else { return }
            await self?.tick(due: due)
        }
    }

    private func tick(due: ContinuousClock.Instant) {
        guard timerDue == due else { return }
        timer = nil
        timerDue = nil
        carryOut(assembler.tick(at: .now))
    }

    /// The HTTP body for these calls: `{"id":N,` spliced in front of each call's members, as
    /// one array, or the single call alone when batches are off.
    static func body(of calls: [(id: Int, call: [UInt8])], plain: Bool) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(calls.reduce(2) { $0 + $1.call.count + 24 })
        if !plain { bytes.append(UInt8(ascii: "[")) }
        for (index, (id, call)) in calls.enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            bytes.append(contentsOf: "{\"id\":\(id)".utf8)
            // `call` is `{…}` from JSONEncoder; an empty object would be `{}`.
            let members = call.dropFirst()
            if members.first != UInt8(ascii: "}") { bytes.append(UInt8(ascii: ",")) }
            bytes.append(contentsOf: members)
        }
        if !plain { bytes.append(UInt8(ascii: "]")) }
        return bytes
    }
}
