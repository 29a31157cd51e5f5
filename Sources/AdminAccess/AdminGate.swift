import BroadcasterConfig
import Foundation
import Hummingbird
import Logging

/// The access layer assembled from the settings: put it on the admin router and build the
/// pages on the group it returns.
///
/// ```swift
/// let gate = AdminGate<BasicAdminRequestContext>(settings: configuration.admin, logger: logger)
/// let router = Router(context: BasicAdminRequestContext.self)
/// let pages = gate.install(on: router)          // every page below needs a login
/// pages.get("requests") { … }                   // viewer and operator
/// pages.group("retry").add(middleware: RoleGuardMiddleware(.operator)).post { … }
/// router.group("admin").get("login") { … }      // the login page itself: no login needed
/// ```
///
/// A page puts `context.admin?.csrfToken.text` in a hidden `csrf_token` field of every form
/// (and in a `<meta>` for the script, which sends it as `X-CSRF-Token`: no inline script).
public struct AdminGate<Context: AdminRequestContext>: Sendable {
    public let users: UserDirectory
    public let sessions: any AdminSessionStore
    public let login: AdminLogin
    public let cookie: SessionCookie
    public let policy: RequestOriginPolicy
    let now: @Sendable () -> Date

    /// - Parameters:
    ///   - sessions: where sessions live; in this process's memory by default.
    ///   - now: the wall clock, injected for tests.
    public init(
        settings: AdminSettings, sessions: (any AdminSessionStore)? = nil, logger: Logger,
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        users = UserDirectory(settings.users)
        self.sessions = sessions ?? InMemorySessionStore(policy: SessionPolicy(settings))
        login = AdminLogin(users: users, sessions: self.sessions, throttle: LoginThrottle(settings), now: now)
        cookie = SessionCookie(settings)
        policy = RequestOriginPolicy(publicOrigin: settings.publicOrigin)
        self.now = now
        users.logStartup(logger)
    }

    /// Adds the security headers and the session authenticator to every route of `router`,
    /// `POST /admin/login` and `POST /admin/logout`, and answers the `/admin` group whose routes
    /// need a login and, when unsafe, pass the CSRF and origin checks.
    public func install(on router: Router<Context>) -> RouterGroup<Context> {
        router.add(middleware: SecurityHeadersMiddleware())
        router.add(middleware: SessionAuthenticatorMiddleware(sessions: sessions, users: users, cookie: cookie, now: now))
        let admin = router.group("admin")
        LoginRoutes(login: login, cookie: cookie, policy: policy).add(to: admin)
        return router.group("admin")
            .add(middleware: RequireLoginMiddleware())
            .add(middleware: CSRFGuardMiddleware(policy: policy))
    }
}
