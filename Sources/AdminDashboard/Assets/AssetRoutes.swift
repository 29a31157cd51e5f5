import ABI
import AdminAccess
import AdminActions
import BroadcastModel
import BroadcasterConfig
import EVMPrimitives
import Foundation
import HTTPTypes
import Hummingbird
import Lifecycle
import NIOCore
import StatusStore

/// The stylesheet and the script, compiled into the binary so it runs from anywhere; cached
/// by browsers for an hour (a new build changes them, so the ETag is their content's hash).
struct AssetRoutes<Context: AdminRequestContext>: Sendable {
    func add(to router: Router<Context>) {
        let assets = router.group("admin/assets")
        assets.get("dashboard.css") { request, _ in Self.serve(Stylesheet.text, type: "text/css; charset=utf-8", request) }
        assets.get("dashboard.js") { request, _ in Self.serve(Script.text, type: "text/javascript; charset=utf-8", request) }
    }

    static func serve(_ text: String, type: String, _ request: Request) -> Response {
        let tag = "\"\(String(UInt64(bitPattern: Int64(text.utf8.reduce(into: 5381) { $0 = ($0 &* 33) &+ Int($1) })), radix: 16))\""
        var headers: HTTPFields = [.contentType: type, .cacheControl: "public, max-age=3600", .eTag: tag]
        if request.headers[.ifNoneMatch] == tag {
            headers[.contentType] = nil
            return Response(status: .notModified, headers: headers)
        }
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }
}
