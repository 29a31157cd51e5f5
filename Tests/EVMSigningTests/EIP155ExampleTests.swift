import EVMPrimitives
import EVMSigning
import Testing

/// The worked example in the text of EIP-155 itself.
@Suite struct EIP155ExampleTests {
    let transaction = UnsignedTransaction.legacy(LegacyTransaction(
        chainID: ChainID(1),
        nonce: Nonce(9),
        gasPrice: .gwei(20),
        gas: Gas(21000),
        to: try! Address("0x3535353535353535353535353535353535353535"),
        value: Wei(1_000_000_000_000_000_000)
    ))

    @Test func signingDataAndHash() {
        #expect(Hex.encode(transaction.signingPayload(), prefixed: false)
            == "ec098504a817c800825208943535353535353535353535353535353535353535880de0b6b3a764000080018080")
        #expect(Hex.encode(transaction.signingHash, prefixed: false)
            == "daf5a779ae972f972197303d7b574746c7ef83eadac0f2791ad23db92e4c8e53")
    }

    @Test func signedRawTransaction() throws {
        let signed = try Signer(key: eip155Key).sign(transaction)
        #expect(Hex.encode(signed.raw, prefixed: false) == """
            f86c098504a817c800825208943535353535353535353535353535353535353535880de0b6b3a76400008025a028ef61340bd939bc2195fe537567866003e1a15d3c71ff63e1590620aa636276a067cbe9d8997f761aecb703304b3800ccf555c9f3dc64214b297fb1966a3b6d83
            """)
        #expect(signed.signature.yParity == 0)
        #expect(signed.hash.bytes == Keccak256.hash(signed.raw))
        #expect(signed.from == eip155Key.address)
    }

    @Test func refusesToSignWithoutAChainID() {
        guard case .legacy(var legacy) = transaction else { return }
        legacy.chainID = nil
        #expect(throws: SigningError.missingChainID) { try Signer(key: eip155Key).sign(.legacy(legacy)) }
    }
}
