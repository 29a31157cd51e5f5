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

/// `GET /admin/login`: the form that posts to the gate's `POST /admin/login`.
struct LoginPageRoutes<Context: AdminRequestContext>: Sendable {
    let renderer: PageRenderer

    struct LoginView {
        var refused: Bool
        var throttled: Bool
        var wait: Int
        var expired: Bool
    }

    func add(to router: Router<Context>) {
        router.group("admin").get("login") { request, context in
            if context.admin != nil { return PageRenderer.redirect("/admin") }
            let fields = queryFields(request) ?? []
            func value(_ name: String) -> String? { fields.first { $0.name == name }?.value }
            let view = LoginView(
                refused: value("error") == "refused", throttled: value("error") == "throttled",
                wait: value("wait").flatMap { Int($0) }.map { max(1, min($0, 86_400)) } ?? 60, expired: value("error") == "expired")
            let status: HTTPResponse.Status = view.refused ? .unauthorized : view.throttled ? .tooManyRequests : .ok
            return renderer.page("login", view, title: "Log in", admin: nil, status: status)
        }
    }
}

/// A browser's login form gets the login page again, saying why, instead of the bare 401 or
/// 429 the gate answers (which scripts and tests still get: they do not ask for HTML).
struct LoginFormRedirectMiddleware<Context: AdminRequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let response = try await next(request, context)
        guard request.method == .post, request.uri.path == "/admin/login",
              request.headers[.accept]?.contains("text/html") == true else { return response }
        switch response.status {
        case .unauthorized:
            return Self.keeping(response, location: "/admin/login?error=refused")
        case .tooManyRequests:
            let wait = response.headers[.retryAfter].flatMap { Int($0) } ?? 60
            return Self.keeping(response, location: "/admin/login?error=throttled&wait=\(wait)")
        default:
            return response
        }
    }

    /// A 303 to `location` with the security headers the gate's response already carries.
    static func keeping(_ response: Response, location: String) -> Response {
        var headers = response.headers
        headers[.location] = location
        headers[.contentType] = nil
        headers[.contentLength] = nil
        return Response(status: .seeOther, headers: headers)
    }
}
