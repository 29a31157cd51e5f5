import BroadcastModel

/// One confirmation of a retry at a time per retry id in this process, and the retries this
/// process saw acknowledged: a double submit waits for the first and answers it, instead of
/// producing the same request again. After a restart the ledger is empty and a repeat
/// produces again, which is safe: workers take a request id once.
actor ClickLedger {
    private var busy: Set<RequestID> = []
    private var waiters: [RequestID: [CheckedContinuation<Void, Never>]] = [:]
    private var acknowledged: Set<RequestID> = []
    private var acknowledgedOrder: [RequestID] = []
    /// Enough for every click of a long day; the oldest are forgotten first.
    private let remembered = 100_000

    func acquire(_ id: RequestID) async {
        while busy.contains(id) {
            await withCheckedContinuation { waiters[id, default: []].append($0) }
        }
        busy.insert(id)
    }

    func release(_ id: RequestID) {
        busy.remove(id)
        for waiter in waiters.removeValue(forKey: id) ?? [] { waiter.resume() }
    }

    func wasAcknowledged(_ id: RequestID) -> Bool { acknowledged.contains(id) }

    func noteAcknowledged(_ id: RequestID) {
        guard acknowledged.insert(id).inserted else { return }
        acknowledgedOrder.append(id)
        while acknowledgedOrder.count > remembered { acknowledged.remove(acknowledgedOrder.removeFirst()) }
    }
}
