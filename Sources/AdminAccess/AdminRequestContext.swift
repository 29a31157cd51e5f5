import BroadcasterConfig
import Hummingbird
import NIOCore

/// Who is making a request: set by `SessionAuthenticatorMiddleware` from a valid session.
public struct AuthenticatedAdmin: Sendable {
    public let user: String
    /// As configured now, not as it was at login.
    public let role: AdminRole
    /// For the pages to put in their forms (`csrf_token`) and scripts in `X-CSRF-Token`.
    public let csrfToken: SecretToken
    /// The session's key, for logout.
    public let sessionID: TokenDigest

    public init(user: String, role: AdminRole, csrfToken: SecretToken, sessionID: TokenDigest) {
        self.user = user
        self.role = role
        self.csrfToken = csrfToken
        self.sessionID = sessionID
    }
}

/// What the admin middleware needs of a request context: a place for the logged-in user and
/// the client's address (for login rate limits).
public protocol AdminRequestContext: RequestContext {
    var admin: AuthenticatedAdmin? { get set }
    /// The peer's IP address as text, nil when unknown (then all such clients share one login
    /// bucket). Not `X-Forwarded-For`: the dashboard listens on loopback, and a header anyone
    /// can send must not pick the bucket.
    var clientAddress: String? { get }
}

/// The plain context for admin routes: the core storage, the user, the peer address.
public struct BasicAdminRequestContext: AdminRequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    public var admin: AuthenticatedAdmin?
    public let remoteAddress: SocketAddress?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }

    public var clientAddress: String? { remoteAddress?.ipAddress }
}
