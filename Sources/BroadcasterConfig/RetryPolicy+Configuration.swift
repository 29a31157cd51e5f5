import BroadcastModel
import Configuration

extension RetryPolicy {
    /// Reads the `retry` node.
    ///
    /// ## Configuration keys
    /// - `initialDelay` (seconds, default 2): the wait after the first failed send.
    /// - `multiplier` (number ≥ 1, default 2): each next wait is this many times the previous one.
    /// - `maxDelay` (seconds, default 60): the cap on one wait.
    /// - `jitter` (number 0-1, default 0.2): the randomized fraction of each wait.
    /// - `deadline` (seconds, default 1800): how long a request may go without any of its
    ///   versions reaching a node before it is given up (its nonce cancelled).
    public init(reader: ConfigReader) throws(ConfigurationError) {
        let settings = SettingsReader(reader)
        let defaults = RetryPolicy()
        if settings.isSet("attempts") {
            throw ConfigurationError(key: ["attempts"], reason: "was removed: the node is slow, not wrong, so a send that fails is tried again with the same bytes until retry.deadline (seconds) has passed, not a fixed number of times; remove it, and set retry.deadline instead")
        }
        let initialDelay = try settings.seconds("initialDelay", default: defaults.initialDelay)
        let multiplier = try settings.double("multiplier", default: defaults.multiplier)
        guard multiplier.isFinite, multiplier >= 1 else {
            throw ConfigurationError(key: ["multiplier"], reason: "\(multiplier) would shrink the delays; give a number of at least 1")
        }
        let maxDelay = try settings.seconds("maxDelay", default: defaults.maxDelay)
        guard maxDelay >= initialDelay else {
            throw ConfigurationError(key: ["maxDelay"], reason: "the cap (\(maxDelay.inSeconds) s) is below retry.initialDelay (\(initialDelay.inSeconds) s); raise it or lower the initial delay")
        }
        let jitter = try settings.double("jitter", default: defaults.jitter)
        guard jitter.isFinite, (0...1).contains(jitter) else {
            throw ConfigurationError(key: ["jitter"], reason: "\(jitter) is out of range; give a fraction from 0 to 1")
        }
        let deadline = try settings.seconds("deadline", default: defaults.deadline)
        guard deadline >= maxDelay else {
            throw ConfigurationError(key: ["deadline"], reason: "\(deadline.inSeconds) s is shorter than one retry.maxDelay (\(maxDelay.inSeconds) s); a request would be given up before its sends had a chance")
        }
        self.init(initialDelay: initialDelay, multiplier: multiplier, maxDelay: maxDelay, jitter: jitter, deadline: deadline)
    }
}
