import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

extension FlakyProxy {
    /// Takes the proxy down for `duration`: it refuses new connections and cuts the ones it
    /// holds, then listens on the same port again by itself (an endpoint that goes away and
    /// comes back). Returns once the outage has started.
    public func outage(for duration: Duration) async throws {
        var request = HTTPClientRequest(url: url + "/_proxy/outage")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(string: #"{"seconds": \#(duration.seconds)}"#))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        let body = try await response.body.collect(upTo: 64 * 1024)
        guard response.status == .ok else {
            throw DevProcessError("the proxy refused the outage command: \(response.status) \(String(buffer: body))")
        }
        // The proxy stops listening just after it answers.
        try await Task.sleep(for: .milliseconds(200))
    }
}
