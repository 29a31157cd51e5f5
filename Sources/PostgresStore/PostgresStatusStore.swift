import BroadcasterConfig
import EVMKeys
import Foundation
import Logging
import PostgresNIO
import StatusStore

/// The status store on a PostgreSQL server, shared by consumers on many hosts.
///
/// Every change is one transaction on a pooled connection, with `lock_timeout` set to the busy
/// timeout. Nothing relies on a single writer: a sender's next nonce is read under a row lock
/// (`SELECT … FOR UPDATE`), a write fenced by a lease holds the lease row shared until it
/// commits (so no other owner can take the lease over meanwhile), leases expire by the
/// database's clock, and publishers claim outbox events with `FOR UPDATE SKIP LOCKED`.
public final class PostgresStatusStore: StatusStore, BulkRetryStore, AdminOverviewReads, Sendable {
    let client: PostgresClient
    let logger: Logger
    let now: @Sendable () -> Date
    let busyTimeout: Duration
    /// How long the synchronous offset calls wait for their answer before giving up.
    let bridgeTimeout: Duration
    /// For the synchronous offset calls' own connections.
    let connectionConfiguration: PostgresConnection.Configuration

    private init(
        client: PostgresClient, connectionConfiguration: PostgresConnection.Configuration, logger: Logger,
        now: @escaping @Sendable () -> Date, busyTimeout: Duration, connectTimeout: Duration
    ) {
        self.client = client
        self.connectionConfiguration = connectionConfiguration
        self.logger = logger
        self.now = now
        self.busyTimeout = busyTimeout
        self.bridgeTimeout = busyTimeout + connectTimeout
    }

    /// Connects (pooled client running for body's duration), applies pending migrations under
    /// the advisory lock unless `migrate` is false (then refuses a database that is behind
    /// with an error naming `broadcaster migrate`), runs body, shuts the client down.
    public static func with<T>(
        _ settings: PostgresSettings, busyTimeout: Duration = .seconds(5), migrate: Bool = true,
        logger: Logger, now: @escaping @Sendable () -> Date = Date.init,
        _ body: (PostgresStatusStore) async throws -> T
    ) async throws -> T {
        let password = try password(settings.password, logger: logger)
        let client = PostgresClient(configuration: try configuration(settings, password: password), backgroundLogger: logger)
        let store = PostgresStatusStore(
            client: client, connectionConfiguration: try connectionConfiguration(settings, password: password), logger: logger, now: now, busyTimeout: busyTimeout, connectTimeout: settings.connectTimeout)
        let connection = try connectionConfiguration(settings, password: password)
        try await reachable(settings, connection, logger: logger)
        return try await withRunningClient(client) {
            if migrate {
                let applied = try await Migrations.apply(client, settings: settings, logger: logger)
                if !applied.isEmpty { logger.notice("status store migrated", metadata: ["versions": "\(applied)"]) }
            } else {
                try await Migrations.requireCurrent(client, settings: settings, logger: logger)
            }
            return try await body(store)
        }
    }

    /// Applies pending migrations under the advisory lock; returns the versions applied now.
    public static func migrate(_ settings: PostgresSettings, logger: Logger) async throws -> [Int] {
        let password = try password(settings.password, logger: logger)
        let client = PostgresClient(configuration: try configuration(settings, password: password), backgroundLogger: logger)
        try await reachable(settings, try connectionConfiguration(settings, password: password), logger: logger)
        return try await withRunningClient(client) {
            try await Migrations.apply(client, settings: settings, logger: logger)
        }
    }

    /// Connects once, outside the pool, within the connect timeout: the pool retries a server
    /// that refuses connections for ever, and a process started against a wrong store.url
    /// must say so instead of waiting.
    private static func reachable(_ settings: PostgresSettings, _ configuration: PostgresConnection.Configuration, logger: Logger) async throws {
        do {
            let connection = try await PostgresConnection.connect(configuration: configuration, id: 0, logger: logger)
            try await connection.close()
        } catch {
            throw StatusStoreError(
                .cannotOpen,
                "cannot connect to the status store \(Migrations.describe(settings)) as \(settings.username) (store.url): \(StoreFailure.cause(error)). Check that the server is up, reachable from this host, and accepts this user and password")
        }
    }

    /// Runs `body` while the client's `run()` serves its pool in a child task; the pool closes
    /// (its task cancelled) when `body` returns or throws.
    private static func withRunningClient<T>(_ client: PostgresClient, _ body: () async throws -> T) async throws -> T {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            return try await body()
        }
    }

    static func configuration(_ settings: PostgresSettings, password: String?) throws -> PostgresClient.Configuration {
        let tls: PostgresClient.Configuration.TLS
        switch settings.tls {
        case .disable: tls = .disable
        case .prefer: tls = .prefer(.makeClientConfiguration())
        case .require: tls = .require(.makeClientConfiguration())
        }
        var configuration = PostgresClient.Configuration(
            host: settings.host, port: settings.port, username: settings.username,
            password: password, database: settings.database, tls: tls)
        configuration.options.maximumConnections = settings.poolSize
        configuration.options.connectTimeout = settings.connectTimeout
        return configuration
    }

    static func connectionConfiguration(_ settings: PostgresSettings, password: String?) throws -> PostgresConnection.Configuration {
        let tls: PostgresConnection.Configuration.TLS
        do {
            switch settings.tls {
            case .disable: tls = .disable
            case .prefer: tls = .prefer(try NIOSSLContext(configuration: .makeClientConfiguration()))
            case .require: tls = .require(try NIOSSLContext(configuration: .makeClientConfiguration()))
            }
        } catch {
            throw StatusStoreError(.cannotOpen, "cannot set up TLS for the status store's server: \(error)")
        }
        var configuration = PostgresConnection.Configuration(
            host: settings.host, port: settings.port, username: settings.username, password: password,
            database: settings.database, tls: tls)
        configuration.options.connectTimeout = .milliseconds(settings.connectTimeout.wholeMilliseconds)
        return configuration
    }

    /// The password from its file or variable; its value is never logged nor put in an error.
    static func password(_ source: PostgresSettings.PasswordSource, logger: Logger, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> String? {
        switch source {
        case .none:
            return nil
        case .file(let path):
            do {
                let (secret, warnings) = try SecretLine.firstLine(of: path, role: "status store password file (store.passwordFile)")
                for warning in warnings { logger.warning("\(warning)") }
                return secret
            } catch {
                throw StatusStoreError(.cannotOpen, "\(error)")
            }
        case .environment(let name):
            guard let value = environment[name], !value.isEmpty else {
                throw StatusStoreError(
                    .cannotOpen,
                    "the environment variable \(name) (store.passwordEnv) is not set or empty; set it to the status store's password")
            }
            return value
        }
    }
}
