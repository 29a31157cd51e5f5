import BroadcastModel

/// What intake's bound counts for one lane, kept as things happen rather than by walking the
/// lane's requests: requests handed over and not taken in yet, plus untaken requests (no node
/// has accepted a version, not final) with no send out at a node right now.
///
/// A send that cannot reach a node (refused, no connection) leaves its request counted, so
/// intake pauses while the node is unreachable; one a slow node is holding does not.
struct WaitingRequests: Sendable {
    /// Handed to the lane (`.add`) and not taken in yet.
    private(set) var arriving = 0
    private var untaken: Set<RequestID> = []
    /// Sends out at a node, per request.
    private var onWire: [RequestID: Int] = [:]
    private var untakenOffWire = 0

    var count: Int { arriving + untakenOffWire }

    mutating func handedOver() { arriving += 1 }
    mutating func takenIn() { arriving -= 1 }

    mutating func set(_ id: RequestID, untaken isUntaken: Bool) {
        let changed = isUntaken ? untaken.insert(id).inserted : untaken.remove(id) != nil
        guard changed, onWire[id] == nil else { return }
        untakenOffWire += isUntaken ? 1 : -1
    }

    mutating func reachedNode(_ id: RequestID) {
        let sends = onWire[id, default: 0] + 1
        onWire[id] = sends
        if sends == 1, untaken.contains(id) { untakenOffWire -= 1 }
    }

    mutating func leftNode(_ id: RequestID) {
        guard let sends = onWire[id] else { return }
        if sends > 1 {
            onWire[id] = sends - 1
            return
        }
        onWire[id] = nil
        if untaken.contains(id) { untakenOffWire += 1 }
    }
}
