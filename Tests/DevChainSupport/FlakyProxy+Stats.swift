import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

extension FlakyProxy {
    /// The proxy's counters (`GET /stats`): `requests` (HTTP requests that got a draw),
    /// `batches`, `calls` (the calls they carried), one per outcome, `in_flight` …
    public func stats() async throws -> [String: Double] {
        let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: url + "/stats"), timeout: .seconds(10))
        let body = try await response.body.collect(upTo: 64 * 1024)
        guard response.status == .ok,
            let counters = try JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any]
        else {
            throw DevProcessError("the proxy's /stats answered \(response.status): \(String(buffer: body))")
        }
        return counters.compactMapValues { ($0 as? NSNumber)?.doubleValue }
    }
}
