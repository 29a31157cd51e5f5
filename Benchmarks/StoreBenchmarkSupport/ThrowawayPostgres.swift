import Foundation
import KafkaTestSupport

/// A PostgreSQL server (Debian's package) for one benchmark run: a fresh cluster in a temporary
/// directory, on a free loopback port, with PostgreSQL's default durability (fsync and
/// synchronous_commit on), so that its commits cost what a deployed server's do. The test
/// servers of Tests/PostgresTestSupport turn fsync off, which would make every PostgreSQL
/// figure here a measurement of memory, hence a starter of the benchmarks' own.
///
/// initdb and postgres refuse root: as root, the cluster belongs to the `postgres` user. The
/// server is stopped (and its directory removed) when `body` returns or throws; a benchmark
/// killed meanwhile leaves it running (`pg_ctl -D <directory>/data -m fast stop` ends it).
///
/// `postgres` runs as this process's child, never through `pg_ctl start`: Foundation's
/// `Process` learns that a child ended when a socket the child inherited closes, and the server
/// that `pg_ctl start` leaves behind inherits it too, so waiting for `pg_ctl` never returned.
public enum ThrowawayPostgres {
    public struct Server: Sendable {
        public let port: Int
        public let data: URL
    }

    public static func with<T>(_ body: (Server) async throws -> T) async throws -> T {
        let binaries = try findBinaries()
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("store-benchmark-pg-\(UUID())")
        let data = base.appendingPathComponent("data")
        try FileManager.default.createDirectory(at: base, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: base) }
        let asPostgres = getuid() == 0 ? ["/usr/sbin/runuser", "-u", "postgres", "--"] : []
        if getuid() == 0 { try await run(["/bin/chown", "postgres:postgres", base.path], timeout: .seconds(30)) }
        try await run(asPostgres + [
            binaries.appendingPathComponent("initdb").path, "-D", data.path, "-U", "postgres", "--auth=trust",
            "--encoding=UTF8", "--locale=C", "--no-instructions",
        ], timeout: .seconds(300))
        let (server, process) = try await start(binaries: binaries, data: data, asPostgres: asPostgres)
        let pgctl = asPostgres + [binaries.appendingPathComponent("pg_ctl").path, "-D", data.path]
        do {
            let result = try await body(server)
            try await stop(process, pgctl: pgctl)
            return result
        } catch {
            try? await stop(process, pgctl: pgctl)
            throw error
        }
    }

    /// Runs `postgres` on a free port, its output appended to `server.log` in the data
    /// directory, until `pg_isready` answers. A server that exits meanwhile (another process
    /// took the port between finding it free and binding it) is tried again on another port.
    private static func start(binaries: URL, data: URL, asPostgres: [String]) async throws -> (Server, Process) {
        let log = data.appendingPathComponent("server.log")
        var lastFailure = ""
        for _ in 0..<3 {
            let port = try TansuBroker.unusedPort()
            let process = try launch(
                asPostgres + [
                    binaries.appendingPathComponent("postgres").path, "-D", data.path, "-p", String(port),
                    "-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories=\(data.path)",
                ],
                output: log)
            // On a loaded machine startup (crash-safe recovery checks, the first checkpoint) can
            // take many seconds.
            let deadline = ContinuousClock.now + .seconds(120)
            while process.isRunning && ContinuousClock.now < deadline {
                let ready = (try? await run(
                    [binaries.appendingPathComponent("pg_isready").path, "-q", "-h", "127.0.0.1", "-p", String(port), "-U", "postgres", "-d", "postgres"],
                    timeout: .seconds(10))) != nil
                if ready, process.isRunning { return (Server(port: port, data: data), process) }
                try await Task.sleep(for: .milliseconds(200))
            }
            let tail = (try? String(contentsOf: log, encoding: .utf8)).map { String($0.suffix(1500)) } ?? "(no log)"
            guard !process.isRunning else {
                try? await stop(process, pgctl: asPostgres + [binaries.appendingPathComponent("pg_ctl").path, "-D", data.path])
                throw BenchmarkFailure("PostgreSQL did not answer on 127.0.0.1:\(port) within 120 s; \(log.path) (removed with its directory) ends: \(tail)")
            }
            lastFailure = "PostgreSQL exited before answering on 127.0.0.1:\(port); \(log.path) (removed with its directory) ends: \(tail)"
        }
        throw BenchmarkFailure(lastFailure)
    }

    /// Stops the server (`pg_ctl stop -m fast`, then `-m immediate` if that fails or hangs) and
    /// waits for its process. `pgctl` is pg_ctl with the data directory, run as the server's user.
    private static func stop(_ process: Process, pgctl: [String]) async throws {
        guard process.isRunning else { return }
        if (try? await run(pgctl + ["-m", "fast", "-w", "-t", "60", "stop"], timeout: .seconds(90))) != nil,
            await waitForExit(process, timeout: .seconds(30))
        {
            return
        }
        try? await run(pgctl + ["-m", "immediate", "-w", "-t", "30", "stop"], timeout: .seconds(45))
        guard await waitForExit(process, timeout: .seconds(15)) else {
            throw BenchmarkFailure(
                "the throwaway PostgreSQL server did not stop, not even with pg_ctl stop -m immediate; end it by hand (\(pgctl.joined(separator: " ")) -m immediate stop, then kill its postmaster)")
        }
        throw BenchmarkFailure("the throwaway PostgreSQL server did not stop with pg_ctl stop -m fast; it was stopped with -m immediate")
    }

    /// Debian's newest PostgreSQL under /usr/lib/postgresql.
    static func findBinaries() throws -> URL {
        let root = URL(fileURLWithPath: "/usr/lib/postgresql")
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? []
        guard let newest = versions.compactMap(Int.init).max() else {
            throw BenchmarkFailure("no PostgreSQL under /usr/lib/postgresql; install Debian's postgresql (scripts/install-deps) or give --postgres-url")
        }
        return root.appendingPathComponent("\(newest)/bin")
    }

    /// Starts a command with its output appended to a file (never a pipe nobody drains).
    private static func launch(_ command: [String], output path: URL) throws -> Process {
        guard let program = command.first else { throw BenchmarkFailure("no command") }
        if !FileManager.default.fileExists(atPath: path.path) {
            guard FileManager.default.createFile(atPath: path.path, contents: nil) else { throw BenchmarkFailure("cannot create \(path.path)") }
        }
        let output = try FileHandle(forWritingTo: path)
        defer { try? output.close() }
        try output.seekToEnd()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = Array(command.dropFirst())
        process.currentDirectoryURL = URL(fileURLWithPath: "/")
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = output
        process.standardError = output
        try process.run()
        return process
    }

    /// Runs a command to its end within `timeout`; its output goes to a file and is quoted if
    /// it fails. Polls rather than `waitUntilExit`, which would hold a thread of the
    /// cooperative pool.
    private static func run(_ command: [String], timeout: Duration) async throws {
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("store-benchmark-command-\(UUID()).log")
        defer { try? FileManager.default.removeItem(at: log) }
        let process = try launch(command, output: log)
        let name = command.first.map { URL(fileURLWithPath: $0).lastPathComponent } ?? "?"
        guard await waitForExit(process, timeout: timeout) else {
            process.terminate()
            throw BenchmarkFailure("\(name) did not finish within \(timeout): \(command.joined(separator: " "))")
        }
        guard process.terminationStatus == 0 else {
            let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            throw BenchmarkFailure("\(command.joined(separator: " ")) exited with \(process.terminationStatus): \(text.suffix(1500))")
        }
    }

    private static func waitForExit(_ process: Process, timeout: Duration) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning {
            guard ContinuousClock.now < deadline else { return false }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return true
    }
}

public struct BenchmarkFailure: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
