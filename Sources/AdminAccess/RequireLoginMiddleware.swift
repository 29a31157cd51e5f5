import HTTPTypes
import Hummingbird

/// No user, no page: a browser asking for a page is sent to the login page, anything else
/// (the JSON under `/admin/api/`, any unsafe method) gets 401.
public struct RequireLoginMiddleware<Context: AdminRequestContext>: RouterMiddleware {
    let loginPath: String
    let apiPrefix: String

    public init(loginPath: String = "/admin/login", apiPrefix: String = "/admin/api/") {
        self.loginPath = loginPath
        self.apiPrefix = apiPrefix
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard context.admin == nil else { return try await next(request, context) }
        if RequestOriginPolicy.isSafe(request.method) && !request.uri.path.hasPrefix(apiPrefix) {
            return Response(status: .seeOther, headers: [.location: loginPath])
        }
        throw HTTPError(.unauthorized, message: "log in first: POST \(loginPath)")
    }
}
