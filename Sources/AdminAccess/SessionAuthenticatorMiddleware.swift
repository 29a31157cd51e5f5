import BroadcasterConfig
import Foundation
import Hummingbird

/// Finds the session the cookie names and puts its user, with the role configured now, in the
/// context. Refuses nothing itself: `RequireLoginMiddleware` does.
public struct SessionAuthenticatorMiddleware<Context: AdminRequestContext>: RouterMiddleware {
    let sessions: any AdminSessionStore
    let users: UserDirectory
    let cookie: SessionCookie
    let now: @Sendable () -> Date

    public init(sessions: any AdminSessionStore, users: UserDirectory, cookie: SessionCookie, now: @escaping @Sendable () -> Date) {
        self.sessions = sessions
        self.users = users
        self.cookie = cookie
        self.now = now
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        if let token = cookie.token(in: request), let session = try await sessions.resume(token.digest, at: now()) {
            if let user = users.user(named: session.user) {
                context.admin = AuthenticatedAdmin(user: user.name, role: user.role, csrfToken: session.csrfToken, sessionID: session.id)
            } else {
                // Removed from the configuration since login.
                try await sessions.revoke(session.id)
            }
        }
        return try await next(request, context)
    }
}
