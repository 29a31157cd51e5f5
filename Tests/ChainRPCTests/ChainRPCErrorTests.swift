import AsyncHTTPClient
import Testing

@testable import ChainRPC

@Suite("Errors and endpoints")
struct ChainRPCErrorTests {
    @Test func descriptionNamesEndpointMethodFailureAndAdvice() throws {
        let error = ChainRPCError(
            endpoint: try RPCEndpoint("http://127.0.0.1:8545"),
            method: "eth_sendRawTransaction",
            failure: .rpcError(code: -32000, message: "nonce too low", data: nil))
        #expect(error.action == .nonceTooLow)
        #expect(error.description.contains("eth_sendRawTransaction"))
        #expect(error.description.contains("http://127.0.0.1:8545"))
        #expect(error.description.contains("nonce too low"))
        #expect(error.description.contains(RecoveryAction.nonceTooLow.advice))
    }

    @Test func echoedRequestsAreTruncated() throws {
        // A node that quotes the whole signed transaction back must not put it in logs.
        let raw = "0x02f8" + String(repeating: "ab", count: 2000)
        let error = ChainRPCError(
            endpoint: try RPCEndpoint("http://127.0.0.1:8545"),
            method: "eth_sendRawTransaction",
            failure: .rpcError(code: -32602, message: "invalid argument 0: \(raw)", data: raw))
        #expect(!error.description.contains(raw))
        #expect(error.description.count < 1200)
        #expect(error.action == .giveUp)
    }

    @Test func endpointDescriptionHidesPathAndCredentials() throws {
        let endpoint = try RPCEndpoint("https://user:secret@node.example:8443/v3/API-KEY?token=t")
        #expect(endpoint.description == "https://node.example:8443")
        #expect(endpoint.url.hasSuffix("?token=t"))
    }

    @Test func rejectsNonHTTPEndpoints() {
        #expect(throws: ChainRPCConfigurationError.self) { try RPCEndpoint("ws://127.0.0.1:8546") }
        #expect(throws: ChainRPCConfigurationError.self) { try RPCEndpoint("127.0.0.1:8545") }
        #expect(throws: ChainRPCConfigurationError.self) { try RPCEndpoint("") }
    }

    @Test func configurationNeedsAnEndpoint() {
        #expect(throws: ChainRPCConfigurationError.self) { try ChainRPCConfiguration(endpoints: []) }
    }

    @Test func blockTags() {
        #expect(BlockTag.pending.description == "pending")
        #expect(BlockTag.number(BlockNumber(26)).description == "0x1a")
        #expect(BlockTag.number(BlockNumber(0)).description == "0x0")
    }
}
