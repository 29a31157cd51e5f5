import BroadcasterConfig
import Foundation
import KafkaTestSupport
import Synchronization

/// One PostgreSQL server (Debian's package) for the whole test process, on a free loopback port.
///
/// Started on first use (`withPostgresDatabase`), from a fresh `initdb` in a temporary
/// directory, owned by the `postgres` user when the tests run as root (initdb and postgres
/// refuse root). Tests only: fsync off and trust authentication on loopback. It never outlives
/// the test process: a watchdog shell runs it and stops it (then removes its directory) when
/// its stdin, a pipe only this process writes to, reaches end of file, which happens at exit
/// (the atexit handler closes it and waits) and also when the process is killed.
final class PostgresServer: Sendable {
    let port: Int
    /// The superuser initdb created; trusted on loopback.
    static let superuser = "postgres"

    private let binaries: URL
    private let base: URL
    private let shell: Process
    private let lifeline: FileHandle

    private init(port: Int, binaries: URL, base: URL, shell: Process, lifeline: FileHandle) {
        self.port = port
        self.binaries = binaries
        self.base = base
        self.shell = shell
        self.lifeline = lifeline
    }

    /// The server, started by the first caller; every later caller gets the same one.
    static func shared() async throws -> PostgresServer {
        try await startup.server()
    }

    private static let startup = Startup()

    /// Starts the server once; the task is shared so that tests asking at once wait for one start.
    private actor Startup {
        private var starting: Task<PostgresServer, any Error>?

        func server() async throws -> PostgresServer {
            if let starting { return try await starting.value }
            // Unstructured on purpose: the server belongs to the process, not to the test that
            // happened to ask first.
            let task = Task { try await PostgresServer.start() }
            starting = task
            return try await task.value
        }
    }

    // MARK: Databases

    /// Creates an empty database (from template0) and returns its name.
    func createDatabase() async throws -> String {
        let name = "test_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        try await sql("CREATE DATABASE \(name) TEMPLATE template0 ENCODING 'UTF8'")
        return name
    }

    /// Drops a database, closing the connections a test left open.
    func dropDatabase(_ name: String) async throws {
        try await sql("DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
    }

    /// Runs one statement through psql as the superuser, on the `postgres` database; returns
    /// its rows unaligned, one a line.
    @discardableResult
    func sql(_ statement: String) async throws -> String {
        try await Self.run(
            binaries.appendingPathComponent("psql"),
            ["-X", "-q", "-A", "-t", "-h", "127.0.0.1", "-p", String(port), "-U", Self.superuser, "-d", "postgres",
             "-v", "ON_ERROR_STOP=1", "-c", statement],
            timeout: .seconds(60))
    }

    // MARK: Starting

    private static func start() async throws -> PostgresServer {
        let binaries = try findBinaries()
        removeAbandonedDirectories()
        let base = try makeBaseDirectory()
        let data = base.appendingPathComponent("data")
        let asPostgres = try userPrefix()
        do {
            try await run(
                asPostgres.program,
                asPostgres.arguments + [
                    binaries.appendingPathComponent("initdb").path, "-D", data.path, "-U", superuser, "--auth=trust",
                    "--encoding=UTF8", "--locale=C", "--no-sync", "--no-instructions",
                ],
                timeout: .seconds(180))
        } catch {
            try? FileManager.default.removeItem(at: base)
            throw error
        }
        // A port can be taken between finding it free and binding it; the server then exits at
        // once and another port is tried.
        var lastError: (any Error)?
        for _ in 0..<3 {
            do {
                let server = try await launch(binaries: binaries, base: base, data: data, asPostgres: asPostgres)
                registerStopAtExit(server)
                return server
            } catch {
                lastError = error
            }
        }
        try? FileManager.default.removeItem(at: base)
        throw lastError ?? PostgresTestError("PostgreSQL did not start")
    }

    private static func launch(
        binaries: URL, base: URL, data: URL, asPostgres: (program: URL, arguments: [String])
    ) async throws -> PostgresServer {
        let port = try TansuBroker.unusedPort()
        let log = data.appendingPathComponent("server.log")
        let lifeline = Pipe()
        let shell = Process()
        shell.executableURL = asPostgres.program
        shell.arguments = asPostgres.arguments + [
            "/bin/sh", "-c", watchdog, "postgres-watchdog", binaries.appendingPathComponent("pg_ctl").path, base.path, data.path, log.path,
            binaries.appendingPathComponent("postgres").path, "-D", data.path, "-p", String(port),
            "-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories=\(data.path)",
            "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
            "-c", "max_connections=400", "-c", "shared_buffers=64MB",
        ]
        shell.standardInput = lifeline
        shell.standardOutput = FileHandle.nullDevice
        shell.standardError = FileHandle.nullDevice
        try shell.run()
        let server = PostgresServer(
            port: port, binaries: binaries, base: base, shell: shell, lifeline: lifeline.fileHandleForWriting)
        // Ready when pg_isready says so; on a loaded machine startup can take many seconds.
        let deadline = ContinuousClock.now + .seconds(60)
        while shell.isRunning {
            let ready = try? await run(
                binaries.appendingPathComponent("pg_isready"),
                ["-q", "-h", "127.0.0.1", "-p", String(port), "-U", superuser, "-d", "postgres"], timeout: .seconds(10))
            if ready != nil {
                // A server that lost the port race exits at once; make sure ours is the one answering.
                try await Task.sleep(for: .milliseconds(200))
                if shell.isRunning { return server }
                break
            }
            if ContinuousClock.now >= deadline { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        let tail = (try? String(contentsOf: log, encoding: .utf8)).map { String($0.suffix(1500)) } ?? "(no log)"
        try? server.lifeline.close()
        _ = await waitForExit(shell, timeout: .seconds(15))
        throw PostgresTestError("PostgreSQL did not start on 127.0.0.1:\(port); its log ends: \(tail)")
    }

    /// Runs the server ("$5" "${@:6}") and stops it (pg_ctl stop -m immediate, SIGKILL if that
    /// hangs) when stdin reaches end of file or the server exits; then removes the directory
    /// ($2). $1 is pg_ctl, $3 the data directory, $4 the log.
    static let watchdog = """
        pg_ctl=$1 base=$2 data=$3 log=$4
        shift 4
        exec 3<&0
        "$@" </dev/null >>"$log" 2>&1 & server=$!
        cat <&3 >/dev/null & lifeline=$!
        while kill -0 $server 2>/dev/null && kill -0 $lifeline 2>/dev/null; do sleep 0.2; done
        "$pg_ctl" stop -D "$data" -m immediate -w -t 10 >/dev/null 2>&1 || kill -9 $server 2>/dev/null
        kill -9 $lifeline 2>/dev/null
        wait $server
        rm -rf "$base"
        """

    /// At exit, closes the lifeline and waits (up to 15 s) for the watchdog to have stopped the
    /// server and removed its directory.
    private static func registerStopAtExit(_ server: PostgresServer) {
        running.withLock { $0 = (server.lifeline.fileDescriptor, server.base.path) }
        atexit {
            guard let (descriptor, base) = PostgresServer.running.withLock({ $0 }) else { return }
            close(descriptor)
            for _ in 0..<150 where FileManager.default.fileExists(atPath: base) {
                usleep(100_000)
            }
        }
    }

    /// The lifeline's descriptor and the server's directory, for the atexit handler (which
    /// cannot capture).
    private static let running = Mutex<(Int32, String)?>(nil)

    // MARK: Plumbing

    /// The newest PostgreSQL under /usr/lib/postgresql/*/bin.
    static func findBinaries() throws -> URL {
        let root = URL(fileURLWithPath: "/usr/lib/postgresql")
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? []
        let found = versions.compactMap { version -> (Int, URL)? in
            guard let number = Int(version) else { return nil }
            let bin = root.appendingPathComponent(version).appendingPathComponent("bin")
            let needed = ["initdb", "postgres", "pg_ctl", "pg_isready", "psql"]
            guard needed.allSatisfy({ FileManager.default.isExecutableFile(atPath: bin.appendingPathComponent($0).path) })
            else { return nil }
            return (number, bin)
        }
        guard let newest = found.max(by: { $0.0 < $1.0 }) else {
            throw PostgresTestError(
                "PostgreSQL is not installed (no initdb, postgres, pg_ctl, pg_isready and psql under /usr/lib/postgresql/*/bin); run scripts/install-deps")
        }
        return newest.1
    }

    /// Removes the directories of test processes killed before their server ran (during
    /// initdb, which no watchdog covers): those without a server's pid file, made more than ten
    /// minutes ago. A directory with a running server is its watchdog's to remove.
    private static func removeAbandonedDirectories() {
        let tmp = URL(fileURLWithPath: "/tmp")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: tmp.path)) ?? []
        for name in names where name.hasPrefix(directoryPrefix) {
            let base = tmp.appendingPathComponent(name)
            guard let made = (try? FileManager.default.attributesOfItem(atPath: base.path))?[.modificationDate] as? Date,
                made < Date().addingTimeInterval(-600),
                !FileManager.default.fileExists(atPath: base.appendingPathComponent("data/postmaster.pid").path)
            else { continue }
            try? FileManager.default.removeItem(at: base)
        }
    }

    private static let directoryPrefix = "broadcaster-pg-"

    /// A fresh directory the server's user owns (so that its watchdog can remove it).
    private static func makeBaseDirectory() throws -> URL {
        let base = URL(fileURLWithPath: "/tmp").appendingPathComponent("\(directoryPrefix)\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: base, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
        if getuid() == 0 {
            do {
                try FileManager.default.setAttributes([.ownerAccountName: "postgres", .groupOwnerAccountName: "postgres"], ofItemAtPath: base.path)
            } catch {
                try? FileManager.default.removeItem(at: base)
                throw PostgresTestError("cannot give \(base.path) to the postgres user (\(error)); run scripts/install-deps, which creates it")
            }
        }
        return base
    }

    /// How to run a command as the server's user: `runuser -u postgres --` as root, directly otherwise.
    private static func userPrefix() throws -> (program: URL, arguments: [String]) {
        guard getuid() == 0 else { return (URL(fileURLWithPath: "/usr/bin/env"), []) }
        guard let runuser = ["/usr/sbin/runuser", "/sbin/runuser", "/usr/bin/runuser"]
            .first(where: { FileManager.default.isExecutableFile(atPath: $0) })
        else {
            throw PostgresTestError("running as root, and runuser (util-linux) is missing to run PostgreSQL as the postgres user")
        }
        return (URL(fileURLWithPath: runuser), ["-u", "postgres", "--"])
    }

    /// Runs a program to completion and throws with its output when it fails.
    @discardableResult
    static func run(_ program: URL, _ arguments: [String], timeout: Duration) async throws -> String {
        let process = Process()
        process.executableURL = program
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: "/tmp")
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("pg-run-\(UUID().uuidString).out")
        _ = FileManager.default.createFile(atPath: output.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: output) }
        let handle = try FileHandle(forWritingTo: output)
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        try process.run()
        try? handle.close()
        let command = ([program.lastPathComponent] + arguments.prefix(3)).joined(separator: " ")
        guard await waitForExit(process, timeout: timeout) else {
            process.terminate()
            throw PostgresTestError("\(command) … did not finish within \(timeout)")
        }
        let text = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
        guard process.terminationStatus == 0 else {
            throw PostgresTestError("\(command) … failed (\(process.terminationStatus)): \(text.suffix(1500))")
        }
        return text
    }

    static func waitForExit(_ process: Process, timeout: Duration) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning {
            guard ContinuousClock.now < deadline else { return false }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return true
    }
}

/// Why the test server could not be started or used.
public struct PostgresTestError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}

/// Runs `body` with the settings of a fresh, empty database on the test process's PostgreSQL
/// server (started on first use), and drops the database afterwards.
public func withPostgresDatabase<T>(
    poolSize: Int = 4,
    isolation: isolated (any Actor)? = #isolation,
    _ body: (PostgresSettings) async throws -> T
) async throws -> T {
    let server = try await PostgresServer.shared()
    let name = try await server.createDatabase()
    let settings = PostgresSettings(
        host: "127.0.0.1", port: server.port, database: name, username: PostgresServer.superuser,
        password: .none, tls: .disable, poolSize: poolSize, connectTimeout: .seconds(30))
    do {
        let result = try await body(settings)
        try await server.dropDatabase(name)
        return result
    } catch {
        try? await server.dropDatabase(name)
        throw error
    }
}

/// The databases on the test server besides PostgreSQL's own: what tests left behind.
public func postgresTestDatabases() async throws -> Set<String> {
    let rows = try await PostgresServer.shared().sql("SELECT datname FROM pg_database WHERE datname LIKE 'test\\_%'")
    return Set(rows.split(separator: "\n").map(String.init))
}
