import BroadcasterConfig
import Foundation
import Testing

@Suite("Configuration of the status store")
struct StoreSettingsTests {
    private func load(_ environment: [String: String]) async throws -> StoreSettings {
        try await BroadcasterConfiguration.load(configFile: nil, environment: environment).store
    }

    private func refusal(_ environment: [String: String]) async -> String? {
        do {
            _ = try await load(environment)
            return nil
        } catch {
            return "\(error)"
        }
    }

    @Test func aConfigurationThatSaysNothingIsSQLite() async throws {
        let store = try await load([:])
        #expect(store.kind == .sqlite && store.postgres == nil)
        #expect(store.path == "run/broadcaster.sqlite")
    }

    @Test func aPostgresURLIsParsedWithItsPasswordSource() async throws {
        let store = try await load([
            "BROADCASTER_STORE_KIND": "postgres",
            "BROADCASTER_STORE_URL": "postgresql://broadcaster@db.internal:6432/status?sslmode=require",
            "BROADCASTER_STORE_PASSWORD_ENV": "DB_PASSWORD",
            "BROADCASTER_STORE_POOL_SIZE": "16",
        ])
        let postgres = try #require(store.postgres)
        #expect(store.kind == .postgres)
        #expect(postgres.host == "db.internal" && postgres.port == 6432 && postgres.database == "status")
        #expect(postgres.username == "broadcaster" && postgres.tls == .require && postgres.poolSize == 16)
        #expect(postgres.password == .environment("DB_PASSWORD"))
        let defaults = try #require(try await load(["BROADCASTER_STORE_KIND": "postgres", "BROADCASTER_STORE_URL": "postgres://u@h/d"]).postgres)
        #expect(defaults.port == 5432 && defaults.tls == .prefer && defaults.password == .none && defaults.poolSize == 8)
    }

    @Test func aPasswordInTheURLIsRefusedWithoutRepeatingIt() async throws {
        let message = try #require(await refusal([
            "BROADCASTER_STORE_KIND": "postgres", "BROADCASTER_STORE_URL": "postgres://u:hunter2secret@h/d",
        ]))
        #expect(message.contains("store.url") && message.contains("passwordFile"))
        #expect(!message.contains("hunter2secret"))
    }

    @Test(arguments: [
        (["BROADCASTER_STORE_KIND": "mysql"], "store.kind"),
        (["BROADCASTER_STORE_KIND": "postgres"], "store.url"),
        (["BROADCASTER_STORE_KIND": "postgres", "BROADCASTER_STORE_URL": "mysql://u@h/d"], "scheme"),
        (["BROADCASTER_STORE_KIND": "postgres", "BROADCASTER_STORE_URL": "postgres://h/d"], "user"),
        (["BROADCASTER_STORE_KIND": "postgres", "BROADCASTER_STORE_URL": "postgres://u@h/"], "database"),
        (["BROADCASTER_STORE_KIND": "postgres", "BROADCASTER_STORE_URL": "postgres://u@h:0/d"], "port"),
        (["BROADCASTER_STORE_KIND": "postgres", "BROADCASTER_STORE_URL": "postgres://u@h/d?sslmode=allow"], "sslmode"),
        (["BROADCASTER_STORE_KIND": "postgres", "BROADCASTER_STORE_URL": "postgres://u@h/d?application_name=x"], "application_name"),
        (["BROADCASTER_STORE_KIND": "postgres", "BROADCASTER_STORE_URL": "postgres://u@h/d",
          "BROADCASTER_STORE_PASSWORD_FILE": "/p", "BROADCASTER_STORE_PASSWORD_ENV": "P"], "not both"),
        (["BROADCASTER_STORE_KIND": "postgres", "BROADCASTER_STORE_URL": "postgres://u@h/d", "BROADCASTER_STORE_POOL_SIZE": "0"], "store.poolSize"),
        (["BROADCASTER_STORE_KIND": "postgres", "BROADCASTER_STORE_URL": "postgres://u@h/d", "BROADCASTER_STORE_PATH": "x.sqlite"], "store.path"),
        (["BROADCASTER_STORE_URL": "postgres://u@h/d"], "store.kind is sqlite"),
    ])
    func aWrongStoreConfigurationIsRefusedNamingTheKey(environment: [String: String], expected: String) async throws {
        let message = try #require(await refusal(environment), "accepted: \(environment)")
        #expect(message.contains(expected), "\(message)")
    }

    @Test func aRelativePasswordFileResolvesAgainstTheConfigurationFilesFolder() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("StoreSettingsTests-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("broadcaster.json")
        try Data(#"{"store": {"kind": "postgres", "url": "postgres://u@h/d", "passwordFile": "secrets/db"}}"#.utf8).write(to: file)
        let store = try await BroadcasterConfiguration.load(configFile: file.path, environment: [:]).store
        #expect(store.postgres?.password == .file(directory.appendingPathComponent("secrets/db").standardizedFileURL.path))
    }
}
