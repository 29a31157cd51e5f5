import BroadcastModel
import EVMPrimitives
import EVMSigning
import Foundation
import StatusStore
import Pipeline
import Testing

/// Building and signing the transaction of a request, and refusing what this worker cannot sign.
@Suite struct RequestSignerTests {
    let key = try! PrivateKey(hex: "0x" + String(repeating: "0", count: 63) + "1")

    var signer: RequestSigner {
        RequestSigner(
            chainID: ChainID(131_277_322_940_537), maxFeePerGas: .gwei(50), maxPriorityFeePerGas: .gwei(1),
            signers: [Signer(key: key)], gasLimits: ["add_weight(address,uint256)": Gas(100_000)])
    }

    @Test func signsAnEIP1559CallOfTheRequestedContractFromItsSender() throws {
        let request = Fixtures.request()
        let signed = try signer.sign(request, nonce: Nonce(5))
        let decoded = try SignedTransaction.decode(raw: signed.raw)
        #expect(decoded.hash == signed.hash)
        #expect(decoded.from == Fixtures.sender)
        guard case .eip1559(let transaction) = decoded.transaction else {
            Issue.record("expected an EIP-1559 transaction")
            return
        }
        #expect(transaction.chainID == ChainID(131_277_322_940_537))
        #expect(transaction.nonce == Nonce(5))
        #expect(transaction.to == Fixtures.contract)
        #expect(transaction.value == .zero)
        #expect(transaction.data == Fixtures.missionCalldata)
        #expect(transaction.gas == Gas(100_000))
        #expect(transaction.maxFeePerGas == .gwei(50))
        #expect(transaction.maxPriorityFeePerGas == .gwei(1))
    }

    @Test func namesWhatIsMissingForAnUnsignableRequest() throws {
        var request = Fixtures.request()
        #expect(signer.problem(with: request) == nil)
        request.from = try Address("0x2B5AD5c4795c026514f8317c7a215E218DcCD6cF")
        #expect(signer.problem(with: request)?.contains("no key for sender 0x2B5AD5c4795c026514f8317c7a215E218DcCD6cF") == true)
        #expect(throws: RequestSigningError.self) { try signer.sign(request, nonce: Nonce(0)) }
        request = Fixtures.request()
        request.function = "remove_weight(address)"
        #expect(signer.problem(with: request)?.contains("remove_weight(address) is not configured") == true)
    }
}
