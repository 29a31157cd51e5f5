import Foundation

/// A one-off HTTP server that answers every POST with the same status and body, for the
/// transport faults a real node never produces (HTTP 500, garbage bodies, a stalled answer).
public struct CannedHTTPServer: Sendable {
    /// The server's URL.
    public var url: String { process.url }
    private let process: DevProcess

    /// Starts a server answering `status` with `body` after `delaySeconds`.
    public static func start(status: Int, body: String, delaySeconds: Double = 0) async throws -> CannedHTTPServer {
        let process = try await DevProcess.launch(
            name: "canned-http",
            executable: try RepositoryRoot.python(),
            arguments: PythonLauncher.arguments(
                script: ["-c", script], [String(status), body, String(delaySeconds)]))
        return CannedHTTPServer(process: process)
    }

    /// Stops the server; its port is then closed (connection refused).
    public func stop() async { await process.stop() }

    private static let script = """
        import http.server, sys, time
        status, body, delay = int(sys.argv[1]), sys.argv[2].encode(), float(sys.argv[3])
        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                time.sleep(delay)
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            def log_message(self, *args):
                pass
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        print(f"READY http://127.0.0.1:{server.server_address[1]}", flush=True)
        server.serve_forever()
        """
}

/// Runs `body` with a canned server and stops it afterwards, also on error.
public func withCannedHTTPServer<T: Sendable>(
    status: Int,
    body responseBody: String,
    delaySeconds: Double = 0,
    _ body: (CannedHTTPServer) async throws -> T
) async throws -> T {
    let server = try await CannedHTTPServer.start(status: status, body: responseBody, delaySeconds: delaySeconds)
    do {
        let result = try await body(server)
        await server.stop()
        return result
    } catch {
        await server.stop()
        throw error
    }
}
