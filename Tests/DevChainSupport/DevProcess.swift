import Dispatch
import Foundation

/// A helper process (local chain, proxy, test server) that prints `READY <url>` when it listens.
///
/// Its stdout is drained until it exits, so a chatty process never blocks on a full pipe;
/// stderr goes to a log file whose tail is quoted when the process fails to start.
public final class DevProcess: Sendable {
    /// The URL from the READY line.
    public let url: String
    /// Where the process's stderr goes.
    public let logFile: URL
    private let process: Process

    private init(url: String, logFile: URL, process: Process) {
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
        guard FileManager.default.createFile(atPath: logFile.path, contents: nil) else {
            throw DevProcessError("could not create the log file \(logFile.path) for \(name)")
        }
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.currentDirectoryURL = root
        var environment = ProcessInfo.processInfo.environment
        environment["PYTHONUNBUFFERED"] = "1"
        process.environment = environment
        let stdout = Pipe()
        process.standardOutput = stdout
        process.standardError = try FileHandle(forWritingTo: logFile)
        process.standardInput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            throw DevProcessError("could not start \(name) (\(executable.path)): \(error)")
        }

        let ready = ReadyLineReader(pipe: stdout)
        let url: String?
        do {
            url = try await withThrowingTaskGroup(of: String?.self) { group in
                group.addTask { await ready.waitForURL() }
                group.addTask {
                    try await Task.sleep(for: readyTimeout)
                    return nil
                }
                let first = try await group.next() ?? nil
                // The reader only returns at READY or end of output: ending the process
                // ends its output, so the group can finish.
                if first == nil { process.terminate() }
                group.cancelAll()
                return first
            }
        } catch {
            process.terminate()
            throw error
        }
        guard let url else {
            process.waitUntilExit()
            let log = (try? String(contentsOf: logFile, encoding: .utf8)) ?? ""
            throw DevProcessError(
                "\(name) did not print READY within \(readyTimeout) (exit status \(process.terminationStatus)). "
                    + "If the virtualenv is missing or stale, run scripts/devchain-setup. "
                    + "Last stderr lines (\(logFile.path)):\n" + log.split(separator: "\n").suffix(15).joined(separator: "\n"))
        }
        return DevProcess(url: url, logFile: logFile, process: process)
    }

    /// Stops the process (SIGTERM, then SIGKILL after `grace`) and waits for it to exit.
    public func stop(grace: Duration = .seconds(5)) async {
        guard process.isRunning else { return }
        process.terminate()
        let process = process
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                    DispatchQueue.global().async {
                        process.waitUntilExit()
                        continuation.resume()
                    }
                }
            }
            group.addTask {
                try? await Task.sleep(for: grace)
                if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            }
            await group.next()
            group.cancelAll()
        }
    }

    deinit {
        if process.isRunning { process.terminate() }
    }
}

/// Reads a process's stdout on a dispatch thread: reports the READY line's URL, then keeps
/// draining until end of output.
private struct ReadyLineReader: Sendable {
    let pipe: Pipe

    /// The URL of the first `READY <url>` line, or nil if output ends without one.
    func waitForURL() async -> String? {
        let handle = pipe.fileHandleForReading
        return await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                var buffer = Data()
                var resumed = false
                while true {
                    let chunk = handle.availableData
                    if chunk.isEmpty { break }
                    guard !resumed else { continue }
                    buffer.append(chunk)
                    while let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                        let line = String(decoding: buffer[buffer.startIndex..<newline], as: UTF8.self)
                        buffer.removeSubrange(buffer.startIndex...newline)
                        if line.hasPrefix("READY ") {
                            continuation.resume(returning: String(line.dropFirst(6)).trimmingCharacters(in: .whitespaces))
                            resumed = true
                            break
                        }
                    }
                }
                if !resumed { continuation.resume(returning: nil) }
            }
        }
    }
}
