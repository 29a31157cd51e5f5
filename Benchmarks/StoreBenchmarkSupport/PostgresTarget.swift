import BroadcasterConfig
import Foundation

/// The PostgreSQL database a benchmark fills: one named by `--postgres-url`, or a throwaway
/// server's.
public enum PostgresTarget {
    /// Runs `body` with the settings of the database at `url`
    /// (`postgres://USER@HOST[:PORT]/DATABASE`, the password, if any, from the environment
    /// variable PGPASSWORD, never from the URL), which should be empty: the benchmark creates
    /// the store's tables in it and leaves them filled. Without a URL, a throwaway server
    /// (``ThrowawayPostgres``) serves the run.
    public static func with<T>(url: String?, poolSize: Int, _ body: (PostgresSettings, Server) async throws -> T) async throws -> T {
        if let url {
            return try await body(try settings(url, poolSize: poolSize), Server(description: "the server at --postgres-url", data: nil))
        }
        return try await ThrowawayPostgres.with { server in
            let settings = PostgresSettings(
                host: "127.0.0.1", port: server.port, database: "postgres", username: "postgres", tls: .disable,
                poolSize: poolSize, connectTimeout: .seconds(30))
            return try await body(
                settings, Server(description: "a throwaway PostgreSQL server (default settings: fsync and synchronous_commit on)", data: server.data))
        }
    }

    /// What the benchmark knows of the server besides how to reach it.
    public struct Server: CustomStringConvertible, Sendable {
        public let description: String
        /// The throwaway server's data directory; nil for a server of --postgres-url.
        let data: URL?

        /// CPU seconds (user and system) the throwaway server's processes have used so far:
        /// the postmaster and its children now alive (a connection's backend counts while it
        /// is open). Nil for a server of --postgres-url, which may be on another machine.
        public func cpuSeconds() -> Double? {
            guard let data,
                let pidFile = try? String(contentsOf: data.appendingPathComponent("postmaster.pid"), encoding: .utf8),
                let line = pidFile.split(separator: "\n").first, let postmaster = Int32(line.trimmingCharacters(in: .whitespaces))
            else { return nil }
            let processes = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
            var total = ProcessCPU.of(postmaster)?.seconds ?? 0
            for name in processes {
                guard let pid = Int32(name), let process = ProcessCPU.of(pid), process.parent == postmaster else { continue }
                total += process.seconds
            }
            return total
        }
    }

    static func settings(_ url: String, poolSize: Int) throws -> PostgresSettings {
        guard let parts = URLComponents(string: url), ["postgres", "postgresql"].contains(parts.scheme ?? ""),
              let host = parts.host, !host.isEmpty, let user = parts.user, !user.isEmpty
        else {
            throw BenchmarkFailure("--postgres-url must read postgres://USER@HOST[:PORT]/DATABASE")
        }
        guard parts.password == nil else {
            throw BenchmarkFailure("--postgres-url must not hold the password (it shows in process lists); put it in PGPASSWORD")
        }
        let database = String(parts.path.drop { $0 == "/" })
        guard !database.isEmpty else { throw BenchmarkFailure("--postgres-url names no database; give an empty one the benchmark may fill") }
        let password: PostgresSettings.PasswordSource = ProcessInfo.processInfo.environment["PGPASSWORD"] == nil ? .none : .environment("PGPASSWORD")
        let tls: PostgresSettings.TLSMode = parts.queryItems?.first { $0.name == "sslmode" }?.value.flatMap(PostgresSettings.TLSMode.init) ?? .prefer
        return PostgresSettings(
            host: host, port: parts.port ?? 5432, database: database, username: user, password: password, tls: tls,
            poolSize: poolSize, connectTimeout: .seconds(30))
    }
}

/// Milliseconds of a duration, as a double.
public func milliseconds(_ duration: Duration) -> Double {
    let (seconds, attoseconds) = duration.components
    return Double(seconds) * 1000 + Double(attoseconds) / 1e15
}

/// The machine's load average (1, 5, 15 minutes), for the figures' context.
public func loadAverage() -> String {
    (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?.split(separator: " ").prefix(3).joined(separator: " ") ?? "?"
}

/// A process's CPU time so far and its parent, from /proc/PID/stat.
public struct ProcessCPU {
    public let seconds: Double
    public let parent: Int32

    /// This process's own.
    public static func current() -> ProcessCPU? { of(getpid()) }

    public static func of(_ pid: Int32) -> ProcessCPU? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return nil }
        // After the command in parentheses: state (3), ppid (4), ..., utime (14), stime (15).
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 12, let parent = Int32(fields[1]), let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        return ProcessCPU(seconds: (user + system) / max(1, ticks), parent: parent)
    }
}
