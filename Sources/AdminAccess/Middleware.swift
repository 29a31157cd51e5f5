import BroadcasterConfig
import Foundation
import HTTPTypes
import Hummingbird
import Logging

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

/// The `Sec-Fetch-Site`/`Origin` check for unsafe requests made without a session (the login form).
public struct OriginGuardMiddleware<Context: RequestContext>: RouterMiddleware {
    let policy: RequestOriginPolicy

    public init(policy: RequestOriginPolicy) {
        self.policy = policy
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if let refusal = policy.originRefusal(method: request.method, secFetchSite: request.headers[values: .secFetchSite], origin: request.headers[values: .origin]) {
            context.logger.notice("admin: refused \(request.method) \(request.uri.path): \(refusal)")
            throw HTTPError(.forbidden, message: "refused: \(refusal); submit from the dashboard's own page")
        }
        return try await next(request, context)
    }
}

/// For every unsafe request: the origin check, then the session's CSRF token, from the
/// `X-CSRF-Token` header or the `csrf_token` field of a urlencoded form (the body is read here
/// and left in the request for the handler). An unsafe request without a session is refused.
public struct CSRFGuardMiddleware<Context: AdminRequestContext>: RouterMiddleware {
    let policy: RequestOriginPolicy
    let maxFormBytes: Int

    public init(policy: RequestOriginPolicy, maxFormBytes: Int = 65_536) {
        self.policy = policy
        self.maxFormBytes = maxFormBytes
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard !RequestOriginPolicy.isSafe(request.method) else { return try await next(request, context) }
        var request = request
        if let refusal = policy.originRefusal(method: request.method, secFetchSite: request.headers[values: .secFetchSite], origin: request.headers[values: .origin]) {
            throw refused(refusal, request, context)
        }
        guard let admin = context.admin else {
            throw HTTPError(.unauthorized, message: "log in first")
        }
        var submitted = request.headers[values: .csrfToken]
        if submitted.isEmpty, URLEncodedForm.isForm(request.headers[.contentType]) {
            let body = try await request.collectBody(upTo: maxFormBytes)
            guard let fields = try? URLEncodedForm.parse(body) else {
                throw HTTPError(.badRequest, message: "the form is not valid application/x-www-form-urlencoded")
            }
            submitted = fields.filter { $0.name == URLEncodedForm.csrfField }.map(\.value)
        }
        if let refusal = RequestOriginPolicy.csrfRefusal(method: request.method, expected: admin.csrfToken, submitted: submitted) {
            throw refused(refusal, request, context)
        }
        return try await next(request, context)
    }

    private func refused(_ refusal: RequestOriginPolicy.Refusal, _ request: Request, _ context: Context) -> HTTPError {
        context.logger.notice("admin: refused \(request.method) \(request.uri.path): \(refusal)")
        return HTTPError(.forbidden, message: "refused: \(refusal); submit from the dashboard's own page (reload it if the session changed)")
    }
}
