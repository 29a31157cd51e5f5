import Configuration

/// Typed reads of one configuration node that refuse a value of the wrong type instead of
/// silently falling back to the default (the `ConfigReader` methods with a default do that).
struct SettingsReader {
    let reader: ConfigReader

    init(_ reader: ConfigReader) {
        self.reader = reader
    }

    /// Whether any provider holds a value for `key`, of whatever type.
    func isSet(_ key: String) -> Bool {
        let configKey = ConfigKey(key)
        return reader.string(forKey: configKey) != nil || reader.int(forKey: configKey) != nil
            || reader.double(forKey: configKey) != nil || reader.bool(forKey: configKey) != nil
            || reader.stringArray(forKey: configKey) != nil
    }

    func string(_ key: String) throws(ConfigurationError) -> String? {
        guard isSet(key) else { return nil }
        return try typed(key, "a string") { try reader.requiredString(forKey: ConfigKey(key)) }
    }

    func string(_ key: String, default value: String) throws(ConfigurationError) -> String {
        try string(key) ?? value
    }

    func int(_ key: String, default value: Int) throws(ConfigurationError) -> Int {
        guard isSet(key) else { return value }
        return try typed(key, "an integer") { try reader.requiredInt(forKey: ConfigKey(key)) }
    }

    func double(_ key: String, default value: Double) throws(ConfigurationError) -> Double {
        guard isSet(key) else { return value }
        return try typed(key, "a number") { try reader.requiredDouble(forKey: ConfigKey(key)) }
    }

    func stringArray(_ key: String, default value: [String]) throws(ConfigurationError) -> [String] {
        guard isSet(key) else { return value }
        return try typed(key, "a list of strings (comma-separated in an environment variable)") {
            try reader.requiredStringArray(forKey: ConfigKey(key))
        }
    }

    /// A positive duration given in seconds (fractions allowed).
    func seconds(_ key: String, default value: Duration, allowZero: Bool = false) throws(ConfigurationError) -> Duration {
        guard isSet(key) else { return value }
        let seconds = try double(key, default: 0)
        guard seconds.isFinite, allowZero ? seconds >= 0 : seconds > 0 else {
            throw ConfigurationError(key: [key], reason: "\(seconds) is not a valid duration; give a number of seconds greater than \(allowZero ? "or equal to " : "")0")
        }
        // A year bounds every duration this service waits for, and keeps the conversion exact.
        guard seconds <= Self.longestDuration else {
            throw ConfigurationError(key: [key], reason: "\(seconds) s is longer than a year; give a number of seconds up to \(Int(Self.longestDuration))")
        }
        return .milliseconds(Int64((seconds * 1000).rounded()))
    }

    static let longestDuration: Double = 366 * 24 * 3600

    /// A whole number in `range`.
    func int(_ key: String, default value: Int, in range: ClosedRange<Int>) throws(ConfigurationError) -> Int {
        let number = try int(key, default: value)
        guard range.contains(number) else {
            throw ConfigurationError(key: [key], reason: "\(number) is out of range; give a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return number
    }

    private func typed<Value>(_ key: String, _ expected: String, _ read: () throws -> Value) throws(ConfigurationError) -> Value {
        do {
            return try read()
        } catch {
            throw ConfigurationError(key: [key], reason: "the value is not \(expected)")
        }
    }
}

extension Duration {
    /// Whole and fractional seconds, for messages and for APIs that take a `Double`.
    public var inSeconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}

/// Runs `body`, re-keying a `ConfigurationError` under `prefix`.
func scoped<Value>(_ prefix: String, _ body: () throws(ConfigurationError) -> Value) throws(ConfigurationError) -> Value {
    do {
        return try body()
    } catch {
        throw error.under(prefix)
    }
}
