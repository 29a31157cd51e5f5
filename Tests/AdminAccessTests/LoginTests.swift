@testable import AdminAccess
import BroadcasterConfig
import Foundation
import HummingbirdBcrypt
import Testing

@Suite("Login")
struct LoginTests {
    func login(_ clock: ManualClock, burst: Int = 5) -> (AdminLogin, InMemorySessionStore) {
        var settings = Fixtures.settings
        settings.loginBurstPerUser = burst
        let sessions = InMemorySessionStore(policy: SessionPolicy(settings))
        return (AdminLogin(users: UserDirectory(settings.users), sessions: sessions, throttle: LoginThrottle(settings), now: clock.reading), sessions)
    }

    @Test("the right password makes a session; a wrong one and an unknown user get the same refusal")
    func outcomes() async throws {
        let clock = ManualClock()
        let (login, sessions) = login(clock)
        guard case .loggedIn(let token, let session, let user) = try await login.logIn(user: "alice", password: Fixtures.alicePassword, address: "10.0.0.1") else {
            Issue.record("alice with her password was not logged in")
            return
        }
        #expect(user.role == .operator && session.user == "alice")
        #expect(await sessions.resume(token.digest, at: clock.now) != nil)
        guard case .refused = try await login.logIn(user: "alice", password: Fixtures.bobPassword, address: "10.0.0.1") else {
            Issue.record("a wrong password was not refused")
            return
        }
        guard case .refused = try await login.logIn(user: "mallory", password: Fixtures.alicePassword, address: "10.0.0.1") else {
            Issue.record("an unknown user was not refused")
            return
        }
        guard case .refused = try await login.logIn(user: "alice", password: Fixtures.alicePassword + "\0trailing", address: "10.0.0.1") else {
            Issue.record("a password with a NUL was not refused")
            return
        }
        try await login.logOut(session.id)
        #expect(await sessions.resume(token.digest, at: clock.now) == nil)
    }

    @Test("after the burst even the right password is limited, and a success resets the user's count")
    func limited() async throws {
        let clock = ManualClock()
        let (login, _) = login(clock, burst: 2)
        _ = try await login.logIn(user: "bob", password: "guess", address: "10.0.0.1")
        if case .loggedIn = try await login.logIn(user: "bob", password: Fixtures.bobPassword, address: "10.0.0.1") {} else {
            Issue.record("bob's second attempt, with his password, was refused")
        }
        _ = try await login.logIn(user: "bob", password: "guess", address: "10.0.0.1")
        _ = try await login.logIn(user: "bob", password: "guess", address: "10.0.0.1")
        guard case .limited(let wait) = try await login.logIn(user: "bob", password: Fixtures.bobPassword, address: "10.0.0.1") else {
            Issue.record("the third attempt after a success was not limited")
            return
        }
        #expect(wait == .seconds(60))
        clock.advance(60)
        if case .loggedIn = try await login.logIn(user: "bob", password: Fixtures.bobPassword, address: "10.0.0.1") {} else {
            Issue.record("bob was still limited after the wait")
        }
    }

    @Test("an unknown user name is checked against a real hash of the highest configured cost")
    func dummyHash() async throws {
        let slower = try PasswordHashing.hash("carol's password", cost: 11)
        let users = UserDirectory(Fixtures.settings.users + [AdminUser(name: "carol", passwordHash: slower, role: .viewer)])
        #expect(users.highestCost == 11)
        let login = AdminLogin(users: users, sessions: InMemorySessionStore(policy: SessionPolicy(AdminSettings())), throttle: LoginThrottle(AdminSettings()), now: { Date() })
        let text = await login.dummyHash
        let dummy = try BcryptHash(parsing: text)
        #expect(dummy.cost == 11)
        // Made like a real one, by Bcrypt.hash: the verifier does its full work on it.
        #expect(text != slower.text && text.hasPrefix("$2b$11$"))
        #expect(UserDirectory([]).highestCost == BcryptHash.minimumCost)
    }

    @Test("admin-hash-password's hash verifies, parses, and refuses what bcrypt would mishandle")
    func hashing() throws {
        let hash = try PasswordHashing.hash("s3cret pass", cost: 10)
        #expect(hash.cost == 10 && hash.text.hasPrefix("$2b$10$"))
        #expect(Bcrypt.verify("s3cret pass", hash: hash.text) && !Bcrypt.verify("s3cret pasS", hash: hash.text))
        #expect(try BcryptHash(parsing: hash.text) == hash)
        #expect(throws: PasswordHashing.Problem.costOutOfRange(9)) { try PasswordHashing.hash("x", cost: 9) }
        #expect(throws: PasswordHashing.Problem.costOutOfRange(32)) { try PasswordHashing.hash("x", cost: 32) }
        #expect(throws: PasswordHashing.Problem.empty) { try PasswordHashing.hash("", cost: 10) }
        #expect(throws: PasswordHashing.Problem.containsNUL) { try PasswordHashing.hash("a\0b", cost: 10) }
        #expect(throws: PasswordHashing.Problem.tooLong(bytes: 73)) { try PasswordHashing.hash(String(repeating: "a", count: 73), cost: 10) }
        #expect(PasswordHashing.password(fromInput: "pw\n") == "pw" && PasswordHashing.password(fromInput: "pw\r\n") == "pw")
        #expect(PasswordHashing.password(fromInput: "pw \n\n") == "pw \n" && PasswordHashing.password(fromInput: "pw\r") == "pw\r")
    }
}
