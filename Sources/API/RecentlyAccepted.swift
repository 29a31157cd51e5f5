import BroadcastModel

/// Request ids this process saw acknowledged, newest kept: lets an idempotent repeat skip a
/// second produce while the first is still on its way to the store.
actor RecentlyAccepted {
    private let capacity: Int
    private var ids: Set<RequestID> = []
    private var order: [RequestID] = []
    private var head = 0

    init(capacity: Int = 65_536) {
        self.capacity = capacity
    }

    func insert(_ id: RequestID) {
        guard ids.insert(id).inserted else { return }
        if order.count < capacity {
            order.append(id)
        } else {
            ids.remove(order[head])
            order[head] = id
            head = (head + 1) % capacity
        }
    }

    func contains(_ id: RequestID) -> Bool { ids.contains(id) }
}
