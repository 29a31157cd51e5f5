import BroadcasterConfig
import EVMKeys
import EVMSigning
import Foundation
import Testing

@Suite("Configuration paths")
struct ConfigPathsTests {
    /// A configuration file in a folder of its own, with relative paths, read from another directory.
    @Test("relative paths in the file resolve against the file's folder, from any working directory")
    func fileRelative() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("config-paths-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("keys"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("broadcaster.json")
        try Data("""
            {"store": {"path": "state/store.sqlite"},
             "signers": {"names": ["dev", "vault"],
                         "dev": {"keyFile": "keys/dev.key", "address": "0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf"},
                         "vault": {"keystore": "../elsewhere/k.json", "passwordFile": "/abs/pw", "address": "0x2B5AD5c4795c026514f8317c7a215E218DcCD6cF"}}}
            """.utf8).write(to: file)
        let root = folder.standardizedFileURL.path
        let configuration = try await BroadcasterConfiguration.load(configFile: file.path, environment: [:])
        #expect(configuration.store.path == root + "/state/store.sqlite")
        #expect(configuration.signers["dev"] == .hexFile(path: root + "/keys/dev.key"))
        let parent = folder.deletingLastPathComponent().standardizedFileURL.path
        #expect(configuration.signers["vault"] == .keystore(path: parent + "/elsewhere/k.json", passwordFile: "/abs/pw"))

        // The same values from the environment stay relative to the working directory.
        let fromEnvironment = try await BroadcasterConfiguration.load(configFile: file.path, environment: [
            "BROADCASTER_STORE_PATH": "run/other.sqlite", "BROADCASTER_SIGNERS_DEV_KEY_FILE": "my.key",
        ])
        #expect(fromEnvironment.store.path == "run/other.sqlite")
        #expect(fromEnvironment.signers["dev"] == .hexFile(path: "my.key"))
        #expect(fromEnvironment.signers["vault"] == .keystore(path: parent + "/elsewhere/k.json", passwordFile: "/abs/pw"))
    }

    @Test("the shipped Config/broadcaster.json finds its dev key from another working directory")
    func shippedFile() async throws {
        let configuration = try await BroadcasterConfiguration.load(configFile: ConfigurationTests.defaultFile, environment: [:])
        let previous = FileManager.default.currentDirectoryPath
        #expect(FileManager.default.changeCurrentDirectoryPath(NSTemporaryDirectory()))
        defer { _ = FileManager.default.changeCurrentDirectoryPath(previous) }
        let key = try #require(configuration.signers["dev"]).load()
        #expect(key.address == configuration.signerAddresses["dev"])
        #expect(configuration.store.path == ConfigurationTests.repository.standardizedFileURL.appendingPathComponent("run/broadcaster.sqlite").path)
    }
}
