import Foundation

/// Where sessions live. In memory for now; one backed by the status store will let sessions
/// outlive a restart and be shared by several admin processes.
public protocol AdminSessionStore: Sendable {
    /// Starts a session for `user` and answers the token for the cookie: the only time the
    /// token exists whole on the server.
    func create(user: String, at now: Date) async throws -> (token: SecretToken, session: AdminSession)
    /// The session stored under `id` if it is still active at `now`, its idle clock restarted;
    /// nil when unknown, ended (and then removed) or revoked.
    func resume(_ id: TokenDigest, at now: Date) async throws -> AdminSession?
    /// Ends the session at once (logout).
    func revoke(_ id: TokenDigest) async throws
}

/// Sessions in this process's memory: lost at restart (everyone logs in again), at most
/// `capacity` at once (the least recently used goes first).
public actor InMemorySessionStore: AdminSessionStore {
    private let policy: SessionPolicy
    private let capacity: Int
    private var sessions: [TokenDigest: AdminSession] = [:]

    public init(policy: SessionPolicy, capacity: Int = 10_000) {
        self.policy = policy
        self.capacity = max(1, capacity)
    }

    public func create(user: String, at now: Date) -> (token: SecretToken, session: AdminSession) {
        makeRoom(at: now)
        let token = SecretToken.random()
        let session = AdminSession(id: token.digest, user: user, csrfToken: .random(), createdAt: now, lastSeenAt: now)
        sessions[session.id] = session
        return (token, session)
    }

    public func resume(_ id: TokenDigest, at now: Date) -> AdminSession? {
        guard let session = sessions[id] else { return nil }
        guard policy.verdict(for: session, at: now) == .active else {
            sessions[id] = nil
            return nil
        }
        let touched = policy.touched(session, at: now)
        sessions[id] = touched
        return touched
    }

    public func revoke(_ id: TokenDigest) {
        sessions[id] = nil
    }

    /// Sessions held now, ended ones included until something prunes them.
    public var count: Int { sessions.count }

    private func makeRoom(at now: Date) {
        guard sessions.count >= capacity else { return }
        sessions = sessions.filter { policy.verdict(for: $0.value, at: now) == .active }
        while sessions.count >= capacity, let oldest = sessions.min(by: { $0.value.lastSeenAt < $1.value.lastSeenAt }) {
            sessions[oldest.key] = nil
        }
    }
}
