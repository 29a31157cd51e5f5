import BroadcasterConfig
import Foundation

/// A logged-in browser as the server keeps it. The session token itself is not here: only its
/// digest, the key it is stored under.
public struct AdminSession: Sendable {
    public let id: TokenDigest
    /// The user's name; the role is looked up again on every request, so that a user removed
    /// or demoted in the configuration loses what the session had.
    public let user: String
    /// Sent back with every state-changing request (form field or header).
    public let csrfToken: SecretToken
    public let createdAt: Date
    public var lastSeenAt: Date

    public init(id: TokenDigest, user: String, csrfToken: SecretToken, createdAt: Date, lastSeenAt: Date) {
        self.id = id
        self.user = user
        self.csrfToken = csrfToken
        self.createdAt = createdAt
        self.lastSeenAt = lastSeenAt
    }
}

/// When a session ends: `lifetime` after login whatever happens, or `idleTimeout` after its
/// last request.
public struct SessionPolicy: Sendable, Equatable {
    public var lifetime: Duration
    public var idleTimeout: Duration

    public init(lifetime: Duration, idleTimeout: Duration) {
        self.lifetime = lifetime
        self.idleTimeout = idleTimeout
    }

    public init(_ settings: AdminSettings) {
        self.init(lifetime: settings.sessionLifetime, idleTimeout: settings.sessionIdleTimeout)
    }

    public enum Verdict: Equatable, Sendable {
        case active
        /// Ended `lifetime` after login.
        case expired
        /// Ended for lack of requests.
        case idle
    }

    public func verdict(for session: AdminSession, at now: Date) -> Verdict {
        if now.timeIntervalSince(session.createdAt) >= lifetime.inSeconds { return .expired }
        if now.timeIntervalSince(session.lastSeenAt) >= idleTimeout.inSeconds { return .idle }
        return .active
    }

    /// The session after a request at `now`: its idle clock restarts (never backwards, if the
    /// wall clock is stepped back).
    public func touched(_ session: AdminSession, at now: Date) -> AdminSession {
        var session = session
        session.lastSeenAt = max(session.lastSeenAt, now)
        return session
    }
}
