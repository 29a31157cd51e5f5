import BroadcasterConfig
import Foundation
import PostgresNIO

/// A direct connection for what a benchmark does beside the store (filling it).
public enum PostgresBenchmarkClient {
    public static func connectionConfiguration(_ settings: PostgresSettings) throws -> PostgresConnection.Configuration {
        let password: String?
        switch settings.password {
        case .none: password = nil
        case .environment(let name): password = ProcessInfo.processInfo.environment[name]
        case .file: throw BenchmarkFailure("the benchmarks take a password from PGPASSWORD only")
        }
        // The copy connection is plain TCP (a benchmark's server is on loopback or a private
        // network); `prefer` allows that, `require` does not.
        guard settings.tls != .require else {
            throw BenchmarkFailure("the benchmark's fill connection does not do TLS; use sslmode=disable or prefer in --postgres-url")
        }
        return PostgresConnection.Configuration(
            host: settings.host, port: settings.port, username: settings.username, password: password,
            database: settings.database, tls: .disable)
    }
}
