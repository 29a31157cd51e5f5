import EVMKeys
import EVMPrimitives
import EVMSigning
import Foundation
import Pipeline
import Testing

@Suite struct StartupChecksTests {
    /// The public dev key 0x…01 and its address.
    let devKey = "0x" + String(repeating: "0", count: 63) + "1"
    let devAddress = try! Address("0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf")
    /// The address of dev key 0x…02.
    let otherAddress = try! Address("0x2B5AD5c4795c026514f8317c7a215E218DcCD6cF")

    func keyFile() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("startup-\(UUID()).key").path
        try Data(devKey.utf8).write(to: URL(fileURLWithPath: path))
        chmod(path, 0o600)
        return path
    }

    @Test func loadsASignerWhoseKeyMatchesItsConfiguredAddress() throws {
        let signers = try StartupChecks.loadSigners(["dev": .hexFile(path: keyFile())], addresses: ["dev": devAddress])
        #expect(signers.map(\.address) == [devAddress])
    }

    @Test func refusesASignerWhoseKeyIsNotItsConfiguredAddress() throws {
        let path = try keyFile()
        do {
            _ = try StartupChecks.loadSigners(["dev": .hexFile(path: path)], addresses: ["dev": otherAddress])
            Issue.record("a key of another address was accepted")
        } catch {
            #expect(error.description.contains("signers.dev.address is \(otherAddress)"))
            #expect(error.description.contains("belongs to \(devAddress)"))
            #expect(!error.description.contains(String(devKey.dropFirst(2))))
        }
    }
}
