import Foundation

/// Where the PostgreSQL status store is and how to reach it. The password is never a value in
/// the configuration: it is read from a file or an environment variable the settings name.
public struct PostgresSettings: Hashable, Sendable {
    public enum TLSMode: String, Hashable, Sendable, CaseIterable {
        /// Plain TCP (a server on loopback or a private network).
        case disable
        /// TLS when the server offers it, plain otherwise (libpq's default).
        case prefer
        /// TLS or no connection.
        case require
    }

    public enum PasswordSource: Hashable, Sendable {
        /// No password (trust or peer authentication).
        case none
        /// The first line of this file.
        case file(String)
        /// The value of this environment variable.
        case environment(String)
    }

    public var host: String
    public var port: Int
    public var database: String
    public var username: String
    public var password: PasswordSource
    public var tls: TLSMode
    /// How many connections each process keeps open at most.
    public var poolSize: Int
    public var connectTimeout: Duration

    public init(
        host: String, port: Int = 5432, database: String, username: String, password: PasswordSource = .none,
        tls: TLSMode = .prefer, poolSize: Int = 8, connectTimeout: Duration = .seconds(10)
    ) {
        self.host = host
        self.port = port
        self.database = database
        self.username = username
        self.password = password
        self.tls = tls
        self.poolSize = poolSize
        self.connectTimeout = connectTimeout
    }

    /// The keys of the `store` node that only PostgreSQL reads.
    static let keys = ["url", "passwordFile", "passwordEnv", "poolSize", "connectTimeout"]

    /// Reads the PostgreSQL keys of the `store` node.
    ///
    /// ## Configuration keys
    /// - `url` (required): `postgres://USER@HOST[:PORT]/DATABASE[?sslmode=disable|prefer|require]`
    ///   (`postgresql://` too; port 5432 and `sslmode=prefer` by default). A password in the URL
    ///   is refused: configuration files and environment dumps end up in tickets and logs.
    /// - `passwordFile` or `passwordEnv` (at most one): the file whose first line is the
    ///   password (owner-only, `chmod 600`), or the name of the environment variable holding it.
    ///   Neither: no password (trust or peer authentication).
    /// - `poolSize` (1-256, default 8): connections each process keeps at most.
    /// - `connectTimeout` (seconds, default 10).
    init(_ settings: SettingsReader) throws(ConfigurationError) {
        guard let url = try settings.string("url"), !url.isEmpty else {
            throw ConfigurationError(
                key: ["url"],
                reason: "store.kind is postgres but no server is given; set store.url to postgres://USER@HOST:PORT/DATABASE")
        }
        let parsed = try Self.parse(url)
        let passwordFile = try settings.string("passwordFile")
        let passwordEnv = try settings.string("passwordEnv")
        let password: PasswordSource
        switch (passwordFile, passwordEnv) {
        case (nil, nil): password = .none
        case (let file?, nil) where !file.isEmpty: password = .file(file)
        case (nil, let name?) where !name.isEmpty: password = .environment(name)
        case (.some, .some):
            throw ConfigurationError(key: ["passwordFile"], reason: "give the password by passwordFile or by passwordEnv, not both")
        default:
            throw ConfigurationError(key: [passwordFile != nil ? "passwordFile" : "passwordEnv"], reason: "is empty; name the file or the environment variable holding the password")
        }
        self.init(
            host: parsed.host, port: parsed.port, database: parsed.database, username: parsed.username, password: password,
            tls: parsed.tls,
            poolSize: try settings.int("poolSize", default: 8, in: 1...256),
            connectTimeout: try settings.seconds("connectTimeout", default: .seconds(10)))
    }

    private struct ParsedURL {
        var host: String
        var port: Int
        var database: String
        var username: String
        var tls: TLSMode
    }

    private static func parse(_ text: String) throws(ConfigurationError) -> ParsedURL {
        func invalid(_ reason: String) -> ConfigurationError {
            ConfigurationError(key: ["url"], reason: "\(reason); give postgres://USER@HOST:PORT/DATABASE")
        }
        guard let components = URLComponents(string: text) else { throw invalid("is not a URL") }
        guard let scheme = components.scheme, ["postgres", "postgresql"].contains(scheme) else {
            throw invalid("the scheme must be postgres or postgresql")
        }
        guard components.password == nil else {
            throw ConfigurationError(
                key: ["url"],
                reason: "holds a password; remove it from the URL and put it in a file named by store.passwordFile or a variable named by store.passwordEnv")
        }
        guard let host = components.host, !host.isEmpty else { throw invalid("names no host") }
        guard let username = components.user, !username.isEmpty else { throw invalid("names no user") }
        let port = components.port ?? 5432
        guard (1...65_535).contains(port) else { throw invalid("port \(port) is out of range") }
        let database = String(components.path.drop(while: { $0 == "/" }))
        guard !database.isEmpty, !database.contains("/") else { throw invalid("names no database") }
        var tls = TLSMode.prefer
        for item in components.queryItems ?? [] {
            guard item.name == "sslmode" else {
                throw invalid("the parameter \(item.name) is not understood (only sslmode is)")
            }
            guard let value = item.value, let mode = TLSMode(rawValue: value) else {
                throw invalid("sslmode must be \(TLSMode.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            tls = mode
        }
        return ParsedURL(host: host, port: port, database: database, username: username, tls: tls)
    }
}
