import BroadcasterConfig
import Foundation
import Logging
@testable import PostgresStore
import PostgresTestSupport
import StatusStore
import Testing
import _ConnectionPoolModule

/// A server that goes away under a running store: its calls must end, as transient failures
/// a worker retries and then exits on, never wait for ever (postgres-nio's pool waits for a
/// connection without a bound of its own).
@Suite("PostgreSQL engine: the server goes away")
struct ServerLossTests {
    let logger = Logger(label: "test.postgres-loss")

    @Test func aCallWhileTheServerIsGoneEndsAsATransientFailure() async throws {
        try await withPostgresDatabase { direct in
            let relay = try await TCPRelay.start(to: direct.port)
            defer { relay.kill() }
            var settings = direct
            settings.port = relay.port
            settings.connectTimeout = .seconds(1)
            try await PostgresStatusStore.with(settings, busyTimeout: .seconds(1), logger: logger) { store in
                let head = try await store.chainHead()
                #expect(head == nil, "through the relay, the store works")
                await relay.cut()   // every connection cut, and nothing listens there any more
                let started = ContinuousClock.now
                let outcome = await Self.within(.seconds(120)) {
                    do {
                        _ = try await store.chainHead()
                        return "answered"
                    } catch let error as StatusStoreError {
                        return error.isTransient ? "transient" : "permanent: \(error)"
                    } catch {
                        return "other: \(error)"
                    }
                }
                #expect(outcome == "transient", "after \(ContinuousClock.now - started)")
            }
        }
    }

    @Test func thePoolsOwnFailuresAreTransientAndItsCancellationIsACancellation() {
        let tripped = StoreFailure.mapped(ConnectionPoolError.connectionCreationCircuitBreakerTripped)
        #expect((tripped as? StatusStoreError)?.isTransient == true, "\(tripped)")
        #expect((tripped as? StatusStoreError)?.description.contains("store.url") == true)
        #expect((StoreFailure.mapped(ConnectionPoolError.poolShutdown) as? StatusStoreError)?.isTransient == true)
        #expect(StoreFailure.mapped(ConnectionPoolError.requestCancelled) is CancellationError)
    }

    /// `body`'s result, or nil when it has not ended after `limit` (the test then fails rather
    /// than hang the suite).
    private static func within(_ limit: Duration, _ body: @escaping @Sendable () async -> String) async -> String? {
        await withTaskGroup(of: String?.self) { group in
            group.addTask { await body() }
            group.addTask {
                try? await Task.sleep(for: limit)
                return nil
            }
            defer { group.cancelAll() }
            return await group.next() ?? nil
        }
    }
}

/// A TCP relay to a local port in a process of its own: `stop()` kills it, which cuts every
/// connection through it and closes its port, as a server host that went down would.
final class TCPRelay: @unchecked Sendable {
    let port: Int
    private let process: Process

    /// Started on a thread of its own: reading the port blocks until Python has started, which
    /// must not hold one of the cooperative pool's few threads (other suites' tasks run there).
    static func start(to target: Int) async throws -> TCPRelay {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(with: Result { try TCPRelay(to: target) })
            }
        }
    }

    private init(to target: Int) throws {
        let source = """
            import asyncio, sys
            async def pipe(reader, writer):
                try:
                    while data := await reader.read(65536):
                        writer.write(data)
                        await writer.drain()
                except Exception:
                    pass
                finally:
                    writer.close()
            async def handle(reader, writer):
                try:
                    upstream_reader, upstream_writer = await asyncio.open_connection("127.0.0.1", int(sys.argv[1]))
                except OSError:
                    writer.close()
                    return
                await asyncio.gather(pipe(reader, upstream_writer), pipe(upstream_reader, writer))
            async def main():
                server = await asyncio.start_server(handle, "127.0.0.1", 0)
                print(server.sockets[0].getsockname()[1], flush=True)
                await server.serve_forever()
            asyncio.run(main())
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = ["-c", source, String(target)]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        self.process = process
        var line: [UInt8] = []
        while let byte = try output.fileHandleForReading.read(upToCount: 1)?.first, byte != UInt8(ascii: "\n") {
            line.append(byte)
        }
        guard let port = Int(String(decoding: line, as: UTF8.self)) else {
            process.terminate()
            throw RelayFailed()
        }
        self.port = port
    }

    /// SIGKILL, then waits (without blocking a thread) until the process is gone.
    func cut() async {
        kill()
        for _ in 0..<1000 where process.isRunning {
            try? await Task.sleep(for: .milliseconds(10))
        }
    }

    /// SIGKILL; Foundation reaps the process in the background.
    func kill() {
        guard process.isRunning else { return }
        Glibc.kill(process.processIdentifier, SIGKILL)
    }
}

struct RelayFailed: Error, CustomStringConvertible {
    var description: String { "the TCP relay did not print its port" }
}
