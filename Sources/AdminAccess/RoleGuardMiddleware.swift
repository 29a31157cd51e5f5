import BroadcasterConfig
import Hummingbird

/// Only users whose role includes `role` get through; others get 403.
public struct RoleGuardMiddleware<Context: AdminRequestContext>: RouterMiddleware {
    let role: AdminRole

    public init(_ role: AdminRole) {
        self.role = role
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let admin = context.admin else {
            throw HTTPError(.unauthorized, message: "log in first")
        }
        guard admin.role.includes(role) else {
            throw HTTPError(.forbidden, message: "this needs the \(role.rawValue) role; \(admin.user) is a \(admin.role.rawValue)")
        }
        return try await next(request, context)
    }
}
