import CSpawn
import Foundation

/// A child process started with `posix_spawn` and reaped by a thread of its own.
///
/// Foundation's `Process` learns of an exit through a socket the child inherits, watched by one
/// shared thread; a child another thread spawns at the same moment can inherit that socket too,
/// and then the exit goes unnoticed until the unrelated child ends, while `waitUntilExit()` spins.
/// Test runs hung on that. Here the child gets only its three standard descriptors, a cleared
/// signal mask and default handlers for the signals tests send, and a blocking `waitpid` on a
/// dedicated thread (never the shared dispatch or cooperative pools) reports its exit.
final class SpawnedProcess: Sendable {
    let pid: pid_t
    private let waitStatus = Latch<Int32>()

    /// Starts `executable` in `directory` with the given descriptors as its stdin, stdout and stderr.
    init(
        executable: String,
        arguments: [String],
        environment: [String: String],
        directory: String,
        stdin: Int32,
        stdout: Int32,
        stderr: Int32
    ) throws(DevProcessError) {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }

        var failures: [String] = []
        func check(_ result: Int32, _ step: String) {
            if result != 0 { failures.append("\(step): \(String(cString: strerror(result)))") }
        }
        check(posix_spawn_file_actions_adddup2(&actions, stdin, STDIN_FILENO), "stdin")
        check(posix_spawn_file_actions_adddup2(&actions, stdout, STDOUT_FILENO), "stdout")
        check(posix_spawn_file_actions_adddup2(&actions, stderr, STDERR_FILENO), "stderr")
        check(posix_spawn_file_actions_addclosefrom_np(&actions, 3), "closefrom")
        check(posix_spawn_file_actions_addchdir_np(&actions, directory), "chdir")
        var emptyMask = sigset_t()
        sigemptyset(&emptyMask)
        check(posix_spawnattr_setsigmask(&attributes, &emptyMask), "signal mask")
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGTERM, SIGINT, SIGPIPE, SIGCHLD] { sigaddset(&defaults, signal) }
        check(posix_spawnattr_setsigdefault(&attributes, &defaults), "signal defaults")
        check(posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF)), "flags")
        guard failures.isEmpty else {
            throw DevProcessError("could not prepare \(executable): \(failures.joined(separator: "; "))")
        }

        let argv = CStringArray([executable] + arguments)
        let envp = CStringArray(environment.map { "\($0.key)=\($0.value)" })
        var pid = pid_t()
        let result = argv.withPointers { argv in
            envp.withPointers { envp in posix_spawn(&pid, executable, &actions, &attributes, argv, envp) }
        }
        guard result == 0 else {
            throw DevProcessError("could not start \(executable): \(String(cString: strerror(result)))")
        }
        self.pid = pid

        let waitStatus = waitStatus
        let reaper = Thread { [pid] in
            var status: Int32 = 0
            var reaped: pid_t
            repeat { reaped = waitpid(pid, &status, 0) } while reaped == -1 && errno == EINTR
            // -1 (ECHILD) only if someone else reaped it; it has exited either way.
            waitStatus.set(reaped == pid ? status : -1)
        }
        reaper.name = "reap \(pid)"
        reaper.start()
    }

    /// Whether the child has exited and been reaped.
    var hasExited: Bool { waitStatus.value != nil }

    /// Sends `signal` unless the child has already been reaped (its pid may be reused by then).
    func send(_ signal: Int32) {
        if !hasExited { kill(pid, signal) }
    }

    /// How the child ended, once it has; nil if `limit` passes first.
    func exit(within limit: Duration) async -> String? {
        await waitStatus.value(within: limit).map(Self.describe)
    }

    private static func describe(_ status: Int32) -> String {
        if status == -1 { return "exit status unknown (reaped elsewhere)" }
        let signal = status & 0x7f
        return signal == 0 ? "exit status \((status >> 8) & 0xff)" : "killed by signal \(signal)"
    }
}

/// NUL-terminated copies of strings, as `argv` and `envp` want them.
private struct CStringArray {
    private let strings: [String]

    init(_ strings: [String]) { self.strings = strings }

    func withPointers<R>(_ body: (UnsafePointer<UnsafeMutablePointer<CChar>?>) -> R) -> R {
        let pointers = UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>.allocate(capacity: strings.count + 1)
        for (index, string) in strings.enumerated() { (pointers + index).initialize(to: strdup(string)) }
        (pointers + strings.count).initialize(to: nil)
        defer {
            for index in 0..<strings.count { free(pointers[index]) }
            pointers.deallocate()
        }
        return body(pointers)
    }
}
