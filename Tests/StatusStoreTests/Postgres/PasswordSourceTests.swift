import BroadcasterConfig
import Foundation
import Logging
@testable import PostgresStore
import StatusStore
import Testing

/// Where the PostgreSQL password comes from: never the configuration itself, never an error.
@Suite("PostgreSQL password sources")
struct PasswordSourceTests {
    let logger = Logger(label: "test.postgres-password")

    @Test func aPasswordFileGivesItsFirstLine() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("pg-password-\(UUID())")
        defer { try? FileManager.default.removeItem(at: file) }
        FileManager.default.createFile(atPath: file.path, contents: Data("s3cret-value\r\nsecond line\n".utf8), attributes: [.posixPermissions: 0o600])
        #expect(try PostgresStatusStore.password(.file(file.path), logger: logger) == "s3cret-value")
    }

    @Test func aMissingFileOrVariableIsAnErrorThatNamesTheSettingOnly() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("pg-password-missing-\(UUID())").path
        let fileError = #expect(throws: StatusStoreError.self) { try PostgresStatusStore.password(.file(file), logger: logger) }
        #expect(fileError?.description.contains(file) == true)
        let variableError = #expect(throws: StatusStoreError.self) {
            try PostgresStatusStore.password(.environment("BROADCASTER_TEST_PG_PASSWORD"), logger: logger, environment: [:])
        }
        #expect(variableError?.description.contains("BROADCASTER_TEST_PG_PASSWORD") == true)
        #expect(variableError?.code == .cannotOpen)
    }

    @Test func aVariableGivesItsValue() throws {
        let value = try PostgresStatusStore.password(
            .environment("BROADCASTER_TEST_PG_PASSWORD"), logger: logger, environment: ["BROADCASTER_TEST_PG_PASSWORD": "from-env"])
        #expect(value == "from-env")
        #expect(try PostgresStatusStore.password(.none, logger: logger) == nil)
    }
}
