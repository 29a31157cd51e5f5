import BroadcasterConfig
import Foundation
import HummingbirdBcrypt
import NIOPosix

/// Logging in: the rate limits, the password check and the new session, in that order.
///
/// A wrong password and an unknown user name get the same answer after the same work: an
/// unknown name is checked against a hash of the highest configured cost.
public actor AdminLogin {
    private let users: UserDirectory
    private let sessions: any AdminSessionStore
    private let now: @Sendable () -> Date
    private var throttle: LoginThrottle
    /// A real hash, of a random password nobody knows, at the highest configured cost: checking
    /// a password against it is the full bcrypt work (a malformed one would fail at once and
    /// tell an unknown name by its speed). Never a match anyway: the user must exist.
    let dummyHash: String

    /// User names longer than this are not checked (no configured name is that long).
    public static let maxUserNameBytes = 64
    /// bcrypt reads 72 bytes; a longer password is refused rather than silently cut.
    public static let maxPasswordBytes = 72

    public enum Outcome: Sendable {
        case loggedIn(token: SecretToken, session: AdminSession, user: AdminUser)
        /// Wrong user name or password: the same for both.
        case refused
        case limited(retryAfter: Duration)
    }

    /// Makes the dummy hash: one bcrypt at the highest configured cost (a quarter second at 12).
    public init(users: UserDirectory, sessions: any AdminSessionStore, throttle: LoginThrottle, now: @escaping @Sendable () -> Date) {
        self.users = users
        self.sessions = sessions
        self.throttle = throttle
        self.now = now
        let cost = min(max(users.highestCost, BcryptHash.minimumCost), BcryptHash.maximumCost)
        self.dummyHash = Bcrypt.hash(SecretToken.random().text, cost: UInt8(clamping: cost))
    }

    public func logIn(user name: String, password: String, address: String?) async throws -> Outcome {
        let name = String(name.utf8.prefix(Self.maxUserNameBytes)) ?? ""
        if case .limited(let wait) = throttle.attempt(user: name, address: address, at: now()) {
            return .limited(retryAfter: wait)
        }
        let user = users.user(named: name)
        let hash = user?.passwordHash.text ?? dummyHash
        // A NUL would end the C string early, so that "secret\0anything" passed as "secret".
        let usable = !password.utf8.contains(0) && password.utf8.count <= Self.maxPasswordBytes
        let candidate = usable ? password : "not a password"
        let matches = try await NIOThreadPool.singleton.runIfActive { Bcrypt.verify(candidate, hash: hash) }
        guard let user, usable, matches else { return .refused }
        throttle.succeeded(user: name, address: address, at: now())
        let (token, session) = try await sessions.create(user: user.name, at: now())
        return .loggedIn(token: token, session: session, user: user)
    }

    public func logOut(_ id: TokenDigest) async throws {
        try await sessions.revoke(id)
    }
}
