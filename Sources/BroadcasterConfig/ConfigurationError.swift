/// A configuration value that is missing, malformed or inconsistent: names the key, the
/// environment variable that sets it, what is wrong and what to do.
public struct ConfigurationError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The key's components, e.g. `["kafka", "brokers"]`; empty for the configuration as a whole.
    public var key: [String]
    public var reason: String

    public init(key: [String], reason: String) {
        self.key = key
        self.reason = reason
    }

    /// The dotted key, e.g. `kafka.brokers`.
    public var keyPath: String { key.joined(separator: ".") }

    /// The environment variable that overrides the key, e.g. `BROADCASTER_KAFKA_BROKERS`.
    public var environmentVariable: String { EnvironmentName.variable(for: key) }

    public var description: String {
        guard !key.isEmpty else { return "configuration: \(reason)" }
        return "configuration key \(keyPath) (env \(environmentVariable)): \(reason)"
    }

    /// The same error for a key read through a reader scoped to `prefix`.
    func under(_ prefix: String) -> ConfigurationError {
        ConfigurationError(key: [prefix] + key, reason: reason)
    }
}

/// How swift-configuration's environment provider spells a key, behind our `BROADCASTER_` prefix.
public enum EnvironmentName {
    public static let prefix = "broadcaster"

    /// `["api", "maxBodyBytes"]` -> `BROADCASTER_API_MAX_BODY_BYTES`: camelCase boundaries and
    /// anything not alphanumeric become `_`, the rest is uppercased.
    public static func variable(for key: [String]) -> String {
        ([prefix] + key).map { component in
            var out = ""
            var previousIsLower = false
            for character in component {
                if previousIsLower && character.isUppercase { out.append("_") }
                previousIsLower = character.isLowercase
                out += character.isLetter || character.isNumber ? character.uppercased() : "_"
            }
            return out
        }.joined(separator: "_")
    }
}
