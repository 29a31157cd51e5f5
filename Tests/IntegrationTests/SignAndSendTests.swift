import ChainRPC
import DevChainSupport
import EVMPrimitives
import EVMSigning
import Testing

/// Transactions signed by the Swift code, sent to the local node, and read back.
@Suite("Sign, send and read back", .serialized)
struct SignAndSendTests {
    private let signer = Signer(key: TransactionFixtures.senderKey)

    private func signNext(
        with client: ChainRPCClient, to: Address, value: Wei, data: Calldata, gas: Gas? = nil
    ) async throws -> SignedTransaction {
        let chainID = try await client.chainID()
        let nonce = try await client.transactionCount(of: signer.address, at: .pending)
        let fees = try await Fees.suggested(by: client)
        var gasLimit = gas
        if gasLimit == nil {
            // A quarter of headroom, as a broadcaster would add: estimates track execution gas,
            // and the local node's also leaves out the EIP-7623 calldata floor.
            let estimate = try await client.estimateGas(CallRequest(from: signer.address, to: to, value: value, input: data))
            gasLimit = Gas(estimate.value + estimate.value / 4)
        }
        return try signer.sign(
            .eip1559(
                EIP1559Transaction(
                    chainID: chainID, nonce: nonce, maxPriorityFeePerGas: fees.maxPriorityFeePerGas,
                    maxFeePerGas: fees.maxFeePerGas, gas: try #require(gasLimit), to: to, value: value, data: data)))
    }

    private func sendAndCheck(_ signed: SignedTransaction, with client: ChainRPCClient) async throws {
        let unsigned = signed.transaction
        #expect(try await client.sendRawTransaction(signed.raw) == signed.hash)
        let receipt = try #require(try await waitForReceipt(signed.hash, on: client), "no receipt for \(signed.hash)")
        #expect(receipt.status == .success)
        #expect(receipt.transactionHash == signed.hash)
        #expect(receipt.from == signer.address)
        #expect(receipt.to == unsigned.to)
        #expect(receipt.effectiveGasPrice <= (try #require(signed.maxFeePerGas)))

        let mined = try #require(try await client.transaction(signed.hash))
        #expect(mined.isMined)
        #expect(mined.blockNumber == receipt.blockNumber)
        #expect(mined.from == signer.address)
        #expect(mined.to == unsigned.to)
        #expect(mined.nonce == unsigned.nonce)
        #expect(mined.value == unsigned.value)
        #expect(mined.input == unsigned.data)
        #expect(mined.gas == unsigned.gas)
        #expect(try await client.transactionCount(of: signer.address, at: .latest) == unsigned.nonce.next)
    }

    @Test func transferIsMinedAsSigned() async throws {
        try await withDevChain { chain in
            try await withChainRPCClient(endpoints: [chain.url]) { client in
                let signed = try await signNext(
                    with: client, to: TransactionFixtures.recipient, value: Wei(123_456_789), data: .empty,
                    gas: Gas(21_000))
                try await sendAndCheck(signed, with: client)
            }
        }
    }

    @Test func contractCallWithTheMissionsCalldata() async throws {
        try await withDevChain { chain in
            try await withChainRPCClient(endpoints: [chain.url]) { client in
                let signed = try await signNext(
                    with: client, to: TransactionFixtures.contractAddress, value: .zero,
                    data: TransactionFixtures.missionCalldata)
                #expect(signed.transaction.gas > Gas(21_000))
                try await sendAndCheck(signed, with: client)
            }
        }
    }
}

extension SignedTransaction {
    /// The fee cap of an EIP-1559 transaction.
    var maxFeePerGas: Wei? {
        if case .eip1559(let transaction) = transaction { return transaction.maxFeePerGas }
        return nil
    }
}
