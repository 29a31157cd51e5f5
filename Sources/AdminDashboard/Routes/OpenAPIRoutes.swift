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

/// `GET /admin/api/openapi.json`.
struct OpenAPIRoutes<Context: AdminRequestContext>: Sendable {
    func add(to pages: RouterGroup<Context>) {
        pages.get("api/openapi.json") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: OpenAPIDocument.text + "\n")))
        }
    }
}
