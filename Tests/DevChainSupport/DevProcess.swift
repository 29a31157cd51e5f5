import CSpawn
import Foundation
import CSpawn

/// A helper process (local chain, proxy, test server) that prints `READY <url>` when it listens.
///
/// Its stdout is drained until it exits; stderr goes to a log file whose tail is quoted when the
/// process fails to start. Every wait here has a bound, so a helper that misbehaves fails its
/// test instead of hanging the run.
public final class DevProcess: Sendable {
    /// The URL from the READY line.
    public let url: String
    /// Where the process's stderr goes.
    public let logFile: URL
    private let process: SpawnedProcess

    private init(url: String, logFile: URL, process: SpawnedProcess) {
        self.url = url
        self.logFile = logFile
        self.process = process
    }

    /// Starts `executable arguments…` and waits up to `readyTimeout` for its READY line.
    public static func launch(
        name: String,
        executable: URL,
        arguments: [String],
        readyTimeout: Duration = .seconds(30)
    ) async throws -> DevProcess {
        let root = try RepositoryRoot.locate()
        let logFile = FileManager.default.temporaryDirectory
            .appendingPathComponent("\(name)-\(UUID().uuidString.prefix(8)).log")
        var environment = ProcessInfo.processInfo.environment
        environment["PYTHONUNBUFFERED"] = "1"

        let (process, stdout) = try spawn(
            name: name, executable: executable, arguments: arguments, environment: environment,
            directory: root.path, logFile: logFile)
        let outcome = await ReadyLineReader.start(reading: stdout, name: name).value(within: readyTimeout)
        if case .ready(let url)? = outcome {
            return DevProcess(url: url, logFile: logFile, process: process)
        }

        if outcome == nil { process.send(SIGTERM) }
        let exit: String
        if let status = await process.exit(within: .seconds(2)) {
            exit = status
        } else {
            process.send(SIGKILL)
            exit = await process.exit(within: .seconds(5)) ?? "still running after SIGKILL"
        }
        let log = (try? String(contentsOf: logFile, encoding: .utf8)) ?? ""
        let what = outcome == nil ? "did not print READY within \(readyTimeout)" : "ended without printing READY"
        throw DevProcessError(
            "\(name) \(what) (\(exit)). "
                + "If the virtualenv is missing or stale, run scripts/devchain-setup. "
                + "Last stderr lines (\(logFile.path)):\n" + log.split(separator: "\n").suffix(15).joined(separator: "\n"))
    }

    /// Stops the process (SIGTERM, then SIGKILL after `grace`) and waits a bounded time for it to exit.
    public func stop(grace: Duration = .seconds(5)) async {
        guard !process.hasExited else { return }
        process.send(SIGTERM)
        if await process.exit(within: grace) != nil { return }
        process.send(SIGKILL)
        if await process.exit(within: .seconds(10)) == nil {
            FileHandle.standardError.write(Data("DevProcess: pid \(process.pid) survived SIGKILL for 10 s; leaving it\n".utf8))
        }
    }

    deinit {
        process.send(SIGTERM)
    }

    /// Spawns the process with stdout on a pipe (returned, read end) and stderr on `logFile`.
    private static func spawn(
        name: String, executable: URL, arguments: [String], environment: [String: String],
        directory: String, logFile: URL
    ) throws -> (SpawnedProcess, stdout: Int32) {
        // Every descriptor is close-on-exec, so no other child spawned meanwhile inherits it.
        let log = open(logFile.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard log >= 0 else {
            throw DevProcessError("could not create the log file \(logFile.path) for \(name): \(String(cString: strerror(errno)))")
        }
        defer { close(log) }
        let null = open("/dev/null", O_RDONLY | O_CLOEXEC)
        guard null >= 0 else { throw DevProcessError("could not open /dev/null: \(String(cString: strerror(errno)))") }
        defer { close(null) }
        var pipe: [Int32] = [-1, -1]
        guard pipe2(&pipe, O_CLOEXEC) == 0 else {
            throw DevProcessError("could not make a pipe for \(name): \(String(cString: strerror(errno)))")
        }
        defer { close(pipe[1]) }
        do {
            let process = try SpawnedProcess(
                executable: executable.path, arguments: arguments, environment: environment,
                directory: directory, stdin: null, stdout: pipe[1], stderr: log)
            return (process, pipe[0])
        } catch {
            close(pipe[0])
            throw error
        }
    }
}
