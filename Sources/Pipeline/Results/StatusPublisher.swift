import BroadcastModel

/// Where status changes go besides the store (the results topic), for other services and the
/// API's `Prefer: wait`. Best effort: the store is the record of truth.
protocol StatusPublisher: Sendable {
    /// Hands `event` over without waiting for its delivery.
    func publish(_ event: StatusEvent)
}
