import BroadcasterConfig
import Foundation
import Testing

@Suite("Admin settings")
struct AdminSettingsTests {
    @Test("by default nobody can log in, sessions last 8 h (30 min idle), the origin is the loopback one")
    func defaults() async throws {
        let admin = try await BroadcasterConfiguration.load(configFile: nil, environment: [:]).admin
        #expect(admin.users.isEmpty)
        #expect(admin.publicOrigin == "http://127.0.0.1:8081")
        #expect(admin.servedOverTLS == false)
        #expect(admin.sessionLifetime == .seconds(28_800) && admin.sessionIdleTimeout == .seconds(1800))
        #expect(admin.loginBurstPerUser == 5 && admin.loginIntervalPerUser == .seconds(60))
        #expect(admin.loginBurstPerAddress == 20 && admin.loginIntervalPerAddress == .seconds(6))
    }

    @Test("users with bcrypt hashes and roles load; a $2y$ hash is kept in the $2b$ spelling")
    func users() async throws {
        var environment = Fixtures.environment
        let y = "$2y$" + Fixtures.bobHash.dropFirst(4)
        environment["BROADCASTER_ADMIN_USERS_BOB_PASSWORD_HASH"] = y
        let admin = try await BroadcasterConfiguration.load(configFile: nil, environment: environment).admin
        #expect(admin.users.map(\.name) == ["alice", "bob"])
        #expect(admin.user(named: "alice")?.role == .operator)
        #expect(admin.user(named: "bob")?.role == .viewer)
        #expect(admin.user(named: "bob")?.passwordHash.text == Fixtures.bobHash)
        #expect(admin.user(named: "alice")?.passwordHash.cost == 10)
        #expect(admin.user(named: "carol") == nil)
    }

    @Test("the admin section of a JSON file loads; a password in the file is refused")
    func file() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("admin-settings-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let good = folder.appendingPathComponent("good.json")
        try Data(#"{"admin": {"publicOrigin": "https://ops.example.com", "sessionIdleTimeout": 900, "users": {"names": ["alice"], "alice": {"passwordHash": "\#(Fixtures.aliceHash)", "role": "operator"}}}}"#.utf8).write(to: good)
        let admin = try await BroadcasterConfiguration.load(configFile: good.path, environment: [:]).admin
        #expect(admin.users == [AdminUser(name: "alice", passwordHash: try BcryptHash(parsing: Fixtures.aliceHash), role: .operator)])
        #expect(admin.publicOrigin == "https://ops.example.com" && admin.servedOverTLS && admin.sessionIdleTimeout == .seconds(900))
        let bad = folder.appendingPathComponent("bad.json")
        try Data(#"{"admin": {"users": {"names": ["alice"], "alice": {"password": "hunter2", "role": "operator"}}}}"#.utf8).write(to: bad)
        let error = try await #require(throws: ConfigurationError.self) {
            try await BroadcasterConfiguration.load(configFile: bad.path, environment: [:])
        }
        #expect(error.keyPath == "admin.users.alice.password" && !error.description.contains("hunter2"))
    }

    @Test("an https origin means Secure cookies; the origin is kept as browsers write it")
    func origin() async throws {
        let admin = try await BroadcasterConfiguration.load(configFile: nil, environment: [
            "BROADCASTER_ADMIN_PUBLIC_ORIGIN": "HTTPS://Admin.Example.com:443",
        ]).admin
        #expect(admin.publicOrigin == "https://admin.example.com")
        #expect(admin.servedOverTLS)
        let local = try await BroadcasterConfiguration.load(configFile: nil, environment: [
            "BROADCASTER_ADMIN_PUBLIC_ORIGIN": "http://localhost:9000", "BROADCASTER_ADMIN_SERVED_OVER_TLS": "true",
        ]).admin
        #expect(local.publicOrigin == "http://localhost:9000" && local.servedOverTLS)
    }

    @Test("the roles: an operator may do what a viewer may, not the other way round")
    func roles() {
        #expect(AdminRole.operator.includes(.viewer) && AdminRole.operator.includes(.operator))
        #expect(AdminRole.viewer.includes(.viewer) && !AdminRole.viewer.includes(.operator))
    }

    static let wrongShape = "hunter2-is-my-password"

    /// (environment over the two valid users, the key the error must name, a word its reason must contain)
    static let invalid: [([String: String], String, String)] = [
        (["BROADCASTER_ADMIN_USERS_ALICE_PASSWORD": "hunter2"], "admin.users.alice.password", "never configured"),
        (["BROADCASTER_ADMIN_USERS_ALICE_PASSWORD_HASH": wrongShape], "admin.users.alice.passwordHash", "not a bcrypt hash"),
        (["BROADCASTER_ADMIN_USERS_ALICE_PASSWORD_HASH": ""], "admin.users.alice.passwordHash", "missing"),
        (["BROADCASTER_ADMIN_USERS_ALICE_PASSWORD_HASH": "$2b$09$" + Fixtures.aliceHash.dropFirst(7)], "admin.users.alice.passwordHash", "cost 9"),
        (["BROADCASTER_ADMIN_USERS_ALICE_PASSWORD_HASH": "$2b$04$" + Fixtures.aliceHash.dropFirst(7)], "admin.users.alice.passwordHash", "10 to 16"),
        (["BROADCASTER_ADMIN_USERS_ALICE_PASSWORD_HASH": "$2b$17$" + Fixtures.aliceHash.dropFirst(7)], "admin.users.alice.passwordHash", "cost 17"),
        (["BROADCASTER_ADMIN_USERS_ALICE_PASSWORD_HASH": "$2a$" + Fixtures.aliceHash.dropFirst(4)], "admin.users.alice.passwordHash", "$2a$"),
        (["BROADCASTER_ADMIN_USERS_ALICE_PASSWORD_HASH": String(Fixtures.aliceHash.dropLast())], "admin.users.alice.passwordHash", "not a bcrypt hash"),
        (["BROADCASTER_ADMIN_USERS_ALICE_ROLE": "admin"], "admin.users.alice.role", "or operator (may retry)"),
        (["BROADCASTER_ADMIN_USERS_ALICE_ROLE": "Operator"], "admin.users.alice.role", "not a role"),
        (["BROADCASTER_ADMIN_USERS_BOB_ROLE": ""], "admin.users.bob.role", "give viewer (read only)"),
        (["BROADCASTER_ADMIN_USERS_NAMES": "alice,bob,carol"], "admin.users.carol.passwordHash", "missing"),
        (["BROADCASTER_ADMIN_USERS_NAMES": "alice,bob,alice"], "admin.users.names", "listed twice"),
        (["BROADCASTER_ADMIN_USERS_NAMES": "Alice"], "admin.users.names", "lowercase"),
        (["BROADCASTER_ADMIN_PUBLIC_ORIGIN": "https://admin.example.com/admin"], "admin.publicOrigin", "scheme, host and port only"),
        (["BROADCASTER_ADMIN_PUBLIC_ORIGIN": "ftp://admin.example.com"], "admin.publicOrigin", "not an origin"),
        (["BROADCASTER_ADMIN_PUBLIC_ORIGIN": "admin.example.com"], "admin.publicOrigin", "not an origin"),
        (["BROADCASTER_ADMIN_PUBLIC_ORIGIN": "https://admin.example.com", "BROADCASTER_ADMIN_SERVED_OVER_TLS": "false"], "admin.servedOverTLS", "Secure"),
        (["BROADCASTER_ADMIN_SERVED_OVER_TLS": "sometimes"], "admin.servedOverTLS", "boolean"),
        (["BROADCASTER_ADMIN_SESSION_LIFETIME": "30"], "admin.sessionLifetime", "60 to 604800"),
        (["BROADCASTER_ADMIN_SESSION_LIFETIME": "600", "BROADCASTER_ADMIN_SESSION_IDLE_TIMEOUT": "900"], "admin.sessionIdleTimeout", "longer than sessionLifetime"),
        (["BROADCASTER_ADMIN_LOGIN_BURST_PER_USER": "0"], "admin.loginBurstPerUser", "1 to 100"),
        (["BROADCASTER_ADMIN_LOGIN_INTERVAL_PER_ADDRESS": "1e300"], "admin.loginIntervalPerAddress", "1 to 3600"),
    ]

    @Test("invalid admin settings are refused at load, naming the key and what to do", arguments: 0..<invalid.count)
    func invalidValue(_ index: Int) async throws {
        let (overrides, key, word) = Self.invalid[index]
        let environment = Fixtures.environment.merging(overrides) { $1 }
        let error = try await #require(throws: ConfigurationError.self) {
            try await BroadcasterConfiguration.load(configFile: nil, environment: environment)
        }
        #expect(error.keyPath == key, "\(error)")
        #expect(error.description.contains(word), "\(error)")
        #expect(error.description.contains(error.environmentVariable))
        // Whatever was in the hash or password key might be a password: never repeated.
        #expect(!error.description.contains("hunter2"))
        #expect(!error.description.contains(String(Fixtures.aliceHash.dropFirst(7))))
    }
}
