import Synchronization

/// Whether one send has reached a node: told once however many endpoints take it, and never
/// after the send has ended (a late word from a cancelled request changes nothing).
final class WireMark: Sendable {
    private enum Passage {
        case waiting, onWire, ended
    }

    private let passage = Mutex(Passage.waiting)

    /// True the first time a node is handed the send, while it has not ended.
    func reach() -> Bool {
        passage.withLock {
            guard case .waiting = $0 else { return false }
            $0 = .onWire
            return true
        }
    }

    /// Ends the send; true when it had reached a node.
    func end() -> Bool {
        passage.withLock {
            let reached = if case .onWire = $0 { true } else { false }
            $0 = .ended
            return reached
        }
    }
}
