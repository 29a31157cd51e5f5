import ABI
import AdminAccess
import AdminActions
import BroadcastModel
import BroadcasterConfig
import EVMPrimitives
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Lifecycle
import NIOCore
import SQLiteStore
import StatusStore
import Testing

@Suite("The OpenAPI document of /admin/api")
struct OpenAPITests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test("the served document is the committed docs/admin-openapi.json, and openapi-spec-validator accepts it")
    func servedAndValid() async throws {
        let committed = try String(contentsOf: Self.repository.appendingPathComponent("docs/admin-openapi.json"), encoding: .utf8)
        try await DashboardHarness.with { harness in
            try await harness.app.test(.router) { client in
                let vera = try await harness.logIn(client, operator: false)
                let served = try await client.execute(uri: "/admin/api/openapi.json", method: .get, headers: vera.get)
                #expect(served.status == .ok)
                #expect(served.text == committed, "regenerate docs/admin-openapi.json from OpenAPIDocument.swift (or the other way round)")
            }
        }
        let python = Self.repository.appendingPathComponent(".venv/bin/python").path
        try #require(FileManager.default.isExecutableFile(atPath: python), "run scripts/devchain-setup for .venv")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = ["-m", "openapi_spec_validator", Self.repository.appendingPathComponent("docs/admin-openapi.json").path]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(text)")
        #expect(text.contains("OK"))
    }
}
