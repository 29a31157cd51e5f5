import Configuration
import Foundation

/// Which engine holds the status store.
public enum StoreEngineKind: String, Hashable, Sendable, CaseIterable {
    /// One SQLite file, shared by the processes of one host.
    case sqlite
    /// A PostgreSQL server, shared by consumers on many hosts.
    case postgres
}

/// The status store: an SQLite file (`kind: sqlite`, the default) or a PostgreSQL server
/// (`kind: postgres`).
public struct StoreSettings: Hashable, Sendable {
    public var kind: StoreEngineKind = .sqlite
    public var path: String = "run/broadcaster.sqlite"
    /// How long a writer waits for another process's lock before failing.
    public var busyTimeout: Duration = .seconds(5)
    /// Where the PostgreSQL server is; set exactly when `kind` is `postgres`.
    public var postgres: PostgresSettings?

    public init() {}

    /// Reads the `store` node.
    ///
    /// ## Configuration keys
    /// - `kind` (`sqlite` or `postgres`, default `sqlite`).
    /// - `path` (string, default `run/broadcaster.sqlite`, SQLite only): the database file;
    ///   relative to the configuration file's folder when the file gives it, else to the
    ///   working directory.
    /// - `busyTimeout` (seconds, default 5): how long a write waits for another process's
    ///   lock (SQLite) or a row lock (PostgreSQL, as its `lock_timeout`).
    /// - `url`, `passwordFile`, `passwordEnv`, `poolSize`, `connectTimeout` (PostgreSQL only):
    ///   see `PostgresSettings`.
    public init(reader: ConfigReader) throws(ConfigurationError) {
        let settings = SettingsReader(reader)
        let kindName = try settings.string("kind", default: kind.rawValue)
        guard let kind = StoreEngineKind(rawValue: kindName) else {
            throw ConfigurationError(
                key: ["kind"],
                reason: "\"\(kindName)\" is no store engine; use \(StoreEngineKind.allCases.map(\.rawValue).joined(separator: " or "))")
        }
        self.kind = kind
        busyTimeout = try settings.seconds("busyTimeout", default: busyTimeout, allowZero: true)
        switch kind {
        case .sqlite:
            for key in PostgresSettings.keys where settings.isSet(key) {
                throw ConfigurationError(key: [key], reason: "is a PostgreSQL setting but store.kind is sqlite; remove it, or set store.kind to postgres")
            }
            path = try settings.string("path", default: path)
            guard !path.isEmpty else {
                throw ConfigurationError(key: ["path"], reason: "the database path is empty; give a file path such as run/broadcaster.sqlite")
            }
        case .postgres:
            guard !settings.isSet("path") else {
                throw ConfigurationError(key: ["path"], reason: "is the SQLite file but store.kind is postgres; remove it, or set store.kind to sqlite")
            }
            postgres = try PostgresSettings(settings)
        }
    }
}
