import BroadcasterConfig
import Foundation
import HTTPTypes
import Hummingbird
import Logging

/// `POST /admin/login` (a urlencoded form with `user` and `password`) and `POST /admin/logout`.
///
/// Login answers 303 to the dashboard with the session cookie, 401 for a wrong user name or
/// password (one message for both), 429 with `Retry-After` when rate-limited. Logout needs the
/// session and its CSRF token, ends the session on the server and clears the cookie.
public struct LoginRoutes<Context: AdminRequestContext>: Sendable {
    let login: AdminLogin
    let cookie: SessionCookie
    let policy: RequestOriginPolicy
    let afterLogin: String
    let loginPage: String

    /// The largest login form read.
    static var maxFormBytes: Int { 4096 }
    public static var refusedMessage: String { "wrong user name or password" }

    public init(login: AdminLogin, cookie: SessionCookie, policy: RequestOriginPolicy, afterLogin: String = "/admin", loginPage: String = "/admin/login") {
        self.login = login
        self.cookie = cookie
        self.policy = policy
        self.afterLogin = afterLogin
        self.loginPage = loginPage
    }

    /// Adds `login` and `logout` to `group` (the `/admin` group, behind the session authenticator).
    public func add(to group: RouterGroup<Context>) {
        group.group("login").add(middleware: OriginGuardMiddleware(policy: policy)).post { request, context in
            try await logIn(request, context)
        }
        group.group("logout")
            .add(middleware: RequireLoginMiddleware(loginPath: loginPage))
            .add(middleware: CSRFGuardMiddleware(policy: policy))
            .post { _, context in
                try await logOut(context)
            }
    }

    private func logIn(_ request: Request, _ context: Context) async throws -> Response {
        guard URLEncodedForm.isForm(request.headers[.contentType]) else {
            throw HTTPError(.unsupportedMediaType, message: "send the login form as application/x-www-form-urlencoded with user and password")
        }
        var request = request
        let body = try await request.collectBody(upTo: Self.maxFormBytes)
        let fields: [String: String]
        do {
            fields = try URLEncodedForm.unique(URLEncodedForm.parse(body), allowed: ["user", "password", URLEncodedForm.csrfField])
        } catch {
            throw HTTPError(.badRequest, message: "the login form must have user and password, each once, and nothing else")
        }
        guard let user = fields["user"], let password = fields["password"] else {
            throw HTTPError(.badRequest, message: "the login form must have user and password")
        }
        switch try await login.logIn(user: user, password: password, address: context.clientAddress) {
        case .loggedIn(let token, _, let user):
            // A browser that was logged in as someone else leaves that session behind, ended.
            if let previous = context.admin { try await login.logOut(previous.sessionID) }
            context.logger.notice("admin: \(user.name) logged in as \(user.role.rawValue)")
            var response = Response(status: .seeOther, headers: [.location: afterLogin])
            response.headers[values: .setCookie].append(cookie.issuing(token))
            return response
        case .refused:
            context.logger.notice("admin: a login was refused")
            throw HTTPError(.unauthorized, message: Self.refusedMessage)
        case .limited(let wait):
            let seconds = max(1, Int(clamping: wait.components.seconds) + (wait.components.attoseconds > 0 ? 1 : 0))
            context.logger.notice("admin: a login was rate-limited for \(seconds) s")
            throw HTTPError(.tooManyRequests, headers: [.retryAfter: String(seconds)], message: "too many login attempts; try again in \(seconds) s")
        }
    }

    private func logOut(_ context: Context) async throws -> Response {
        if let admin = context.admin {
            try await login.logOut(admin.sessionID)
            context.logger.notice("admin: \(admin.user) logged out")
        }
        var response = Response(status: .seeOther, headers: [.location: loginPage])
        response.headers[values: .setCookie].append(cookie.clearing)
        return response
    }
}
