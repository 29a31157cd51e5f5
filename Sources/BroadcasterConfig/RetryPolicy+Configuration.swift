import BroadcastModel
import Configuration

extension RetryPolicy {
    /// Reads the `retry` node.
    ///
    /// ## Configuration keys
    /// - `attempts` (integer 1-100, default 3): attempts in all, the first included.
    /// - `initialDelay` (seconds, default 2): the wait after the first failed attempt.
    /// - `multiplier` (number ≥ 1, default 2): each next wait is this many times the previous one.
    /// - `maxDelay` (seconds, default 60): the cap on one wait.
    /// - `jitter` (number 0-1, default 0.2): the randomized fraction of each wait.
    public init(reader: ConfigReader) throws(ConfigurationError) {
        let settings = SettingsReader(reader)
        let defaults = RetryPolicy()
        let attempts = try settings.int("attempts", default: defaults.maxAttempts, in: 1...100)
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
        self.init(maxAttempts: attempts, initialDelay: initialDelay, multiplier: multiplier, maxDelay: maxDelay, jitter: jitter)
    }
}
