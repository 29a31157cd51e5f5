import BroadcastModel
import Lifecycle

/// One lane's changes for a save: lifecycles of some of `fence.sender`'s requests as they
/// are now, and the attempts made since the last save.
public struct LifecycleChanges: Sendable {
    public var states: [LifecycleState]
    public var attempts: [BroadcastAttempt]
    public var fence: LeaseFence

    public init(states: [LifecycleState], attempts: [BroadcastAttempt], fence: LeaseFence) {
        self.states = states
        self.attempts = attempts
        self.fence = fence
    }

    public var isEmpty: Bool { states.isEmpty && attempts.isEmpty }

    /// A power loss may lose what is not durable; new versions and final statuses must not be.
    public var needsDurability: Bool { states.contains { $0.isFinal || $0.versions.count > 1 } }
}

/// What became of one element of a grouped save.
public enum LifecycleSaveOutcome: Sendable {
    case saved
    /// Nothing of it was stored: its writer does not hold the sender's lease (or a request
    /// is another sender's). The error says which.
    case fenced(StatusStoreError)
}
