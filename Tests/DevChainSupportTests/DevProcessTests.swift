import DevChainSupport
import Foundation
import Testing

/// The helper processes tests lean on: every way a helper can misbehave ends in an error or a
/// stop, never a hang, and a helper inherits nothing from the test process but stdio.
@Suite struct DevProcessTests {
    private static let shell = URL(fileURLWithPath: "/bin/sh")

    /// A shell helper whose READY line carries its pid, so a test can look for it afterwards.
    private func launch(_ script: String, readyTimeout: Duration = .seconds(30)) async throws -> DevProcess {
        try await DevProcess.launch(
            name: "sh-helper", executable: Self.shell, arguments: ["-c", script], readyTimeout: readyTimeout)
    }

    private func isGone(_ pid: String) -> Bool {
        guard let pid = pid_t(pid) else { return false }
        return kill(pid, 0) == -1 && errno == ESRCH
    }

    @Test func stopEndsAHelperWithSIGTERM() async throws {
        let helper = try await launch("echo READY $$; while :; do sleep 0.1; done")
        #expect(!isGone(helper.url))
        await helper.stop(grace: .seconds(20))
        #expect(isGone(helper.url))
    }

    @Test func stopKillsAHelperThatIgnoresSIGTERM() async throws {
        let helper = try await launch("trap '' TERM; echo READY $$; while :; do sleep 0.1; done")
        await helper.stop(grace: .milliseconds(300))
        #expect(isGone(helper.url))
    }

    @Test func aHelperThatNeverSaysReadyFailsWithinItsBound() async throws {
        do {
            _ = try await launch("trap '' TERM; exec sleep 600", readyTimeout: .milliseconds(500))
            Issue.record("launch returned for a helper that never printed READY")
        } catch let error as DevProcessError {
            #expect(error.description.contains("did not print READY within"))
            #expect(error.description.contains("killed by signal 9"))
        }
    }

    @Test func aHelperThatExitsEarlyReportsItsStatusAndStderr() async throws {
        do {
            _ = try await launch("echo starting; echo 'no such config' >&2; exit 3")
            Issue.record("launch returned for a helper that exited")
        } catch let error as DevProcessError {
            #expect(error.description.contains("ended without printing READY"))
            #expect(error.description.contains("exit status 3"))
            #expect(error.description.contains("no such config"))
        }
    }

    /// A descriptor the test process holds open (not close-on-exec) must not reach the helper:
    /// an inherited pipe or socket keeps another process's end-of-output from ever arriving.
    @Test func aHelperInheritsOnlyStdio() async throws {
        let held = open("/dev/null", O_RDONLY)
        try #require(held >= 3)
        defer { close(held) }
        let helper = try await DevProcess.launch(
            name: "fd-lister", executable: URL(fileURLWithPath: "/usr/bin/python3"),
            arguments: ["-c", """
                import os, time
                def is_open(fd):
                    try:
                        os.fstat(fd)
                        return True
                    except OSError:
                        return False
                print("READY open:" + ",".join(str(fd) for fd in range(1024) if is_open(fd)), flush=True)
                time.sleep(600)
                """])
        await helper.stop()
        #expect(helper.url == "open:0,1,2")
    }

    @Test func aHelperStartsInTheRepositoryRoot() async throws {
        let helper = try await launch("echo READY $(pwd); while :; do sleep 0.1; done")
        await helper.stop()
        #expect(FileManager.default.fileExists(atPath: helper.url + "/Package.swift"))
    }
}
