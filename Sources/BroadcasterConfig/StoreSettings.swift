import Configuration

/// The SQLite status store shared by the processes of one host.
public struct StoreSettings: Hashable, Sendable {
    public var path: String = "run/broadcaster.sqlite"
    /// How long a writer waits for another process's lock before failing.
    public var busyTimeout: Duration = .seconds(5)

    public init() {}

    /// Reads the `store` node.
    ///
    /// ## Configuration keys
    /// - `path` (string, default `run/broadcaster.sqlite`): the database file; relative to the
    ///   configuration file's folder when the file gives it, else to the working directory.
    /// - `busyTimeout` (seconds, default 5): how long to wait for another process's lock.
    public init(reader: ConfigReader) throws(ConfigurationError) {
        let settings = SettingsReader(reader)
        path = try settings.string("path", default: path)
        guard !path.isEmpty else {
            throw ConfigurationError(key: ["path"], reason: "the database path is empty; give a file path such as run/broadcaster.sqlite")
        }
        busyTimeout = try settings.seconds("busyTimeout", default: busyTimeout, allowZero: true)
    }
}
