@testable import AdminAccess
import Foundation
import Testing

@Suite("Sessions")
struct SessionTests {
    let policy = SessionPolicy(lifetime: .seconds(3600), idleTimeout: .seconds(600))
    let start = Date(timeIntervalSince1970: 1_800_000_000)

    func session(createdAt: Date, lastSeenAt: Date) -> AdminSession {
        AdminSession(id: SecretToken.random().digest, user: "alice", csrfToken: .random(), createdAt: createdAt, lastSeenAt: lastSeenAt)
    }

    @Test("active until idle for idleTimeout; the idle clock restarts with each request")
    func idleExpiry() {
        var session = session(createdAt: start, lastSeenAt: start)
        #expect(policy.verdict(for: session, at: start.addingTimeInterval(599)) == .active)
        #expect(policy.verdict(for: session, at: start.addingTimeInterval(600)) == .idle)
        session = policy.touched(session, at: start.addingTimeInterval(500))
        #expect(policy.verdict(for: session, at: start.addingTimeInterval(1099)) == .active)
        #expect(policy.verdict(for: session, at: start.addingTimeInterval(1100)) == .idle)
    }

    @Test("ends lifetime after login however busy")
    func absoluteExpiry() {
        var session = session(createdAt: start, lastSeenAt: start)
        for minute in stride(from: 5, through: 55, by: 5) {
            session = policy.touched(session, at: start.addingTimeInterval(Double(minute * 60)))
        }
        #expect(policy.verdict(for: session, at: start.addingTimeInterval(3599)) == .active)
        #expect(policy.verdict(for: session, at: start.addingTimeInterval(3600)) == .expired)
    }

    @Test("a wall clock stepped back does not move the idle clock back")
    func clockBack() {
        let session = session(createdAt: start, lastSeenAt: start.addingTimeInterval(300))
        #expect(policy.touched(session, at: start.addingTimeInterval(100)).lastSeenAt == start.addingTimeInterval(300))
    }

    @Test("the store: a created session resumes by its token's digest, ends when idle, and is gone after revoke")
    func store() async {
        let store = InMemorySessionStore(policy: policy)
        let (token, created) = await store.create(user: "alice", at: start)
        #expect(created.id == token.digest && created.user == "alice")
        #expect(!created.csrfToken.matches(token.text))
        let resumed = await store.resume(token.digest, at: start.addingTimeInterval(500))
        #expect(resumed?.lastSeenAt == start.addingTimeInterval(500))
        #expect(await store.resume(token.digest, at: start.addingTimeInterval(1099)) != nil)
        #expect(await store.resume(token.digest, at: start.addingTimeInterval(1699)) == nil)
        #expect(await store.count == 0)
        let (second, _) = await store.create(user: "alice", at: start)
        await store.revoke(second.digest)
        #expect(await store.resume(second.digest, at: start) == nil)
        #expect(await store.resume(SecretToken.random().digest, at: start) == nil)
    }

    @Test("at capacity, ended sessions go first, then the least recently used")
    func capacity() async {
        let store = InMemorySessionStore(policy: policy, capacity: 2)
        let (old, _) = await store.create(user: "alice", at: start)
        let (recent, _) = await store.create(user: "bob", at: start.addingTimeInterval(60))
        _ = await store.create(user: "carol", at: start.addingTimeInterval(120))
        #expect(await store.count == 2)
        #expect(await store.resume(old.digest, at: start.addingTimeInterval(130)) == nil)
        #expect(await store.resume(recent.digest, at: start.addingTimeInterval(130)) != nil)
    }

    @Test("tokens: 256 random bits as 43 base64url characters, never printed, received only in that shape")
    func tokens() {
        let tokens = (0..<100).map { _ in SecretToken.random() }
        #expect(Set(tokens.map(\.text)).count == 100)
        #expect(tokens.allSatisfy { $0.text.utf8.count == 43 && SecretToken(received: $0.text) != nil })
        let token = tokens[0]
        #expect(!"\(token)".contains(token.text) && !"\(token.digest)".contains(token.text))
        #expect(SecretToken(received: token.text + "A") == nil)
        #expect(SecretToken(received: String(token.text.dropLast()) + "=") == nil)
        #expect(SecretToken(received: "") == nil)
        #expect(token.matches(token.text) && !token.matches(tokens[1].text) && !token.matches(""))
        #expect(token.digest == SecretToken(received: token.text)?.digest)
    }

    @Test("the constant-time comparison agrees with ==")
    func constantTime() {
        #expect(ConstantTime.equal([1, 2, 3], [1, 2, 3]))
        #expect(!ConstantTime.equal([1, 2, 3], [1, 2, 4]))
        #expect(!ConstantTime.equal([1, 2, 3], [0, 2, 3]))
        #expect(!ConstantTime.equal([1, 2, 3], [1, 2]))
        #expect(ConstantTime.equal([], []))
    }
}
