import EVMPrimitives
import EVMSigning
import Testing

@Suite struct DecodingTests {
    static let eip155Raw = hex("f86c098504a817c800825208943535353535353535353535353535353535353535880de0b6b3a76400008025a028ef61340bd939bc2195fe537567866003e1a15d3c71ff63e1590620aa636276a067cbe9d8997f761aecb703304b3800ccf555c9f3dc64214b297fb1966a3b6d83")
    let recipient = try! Address("0x3535353535353535353535353535353535353535")

    @Test func decodesTheEIP155Example() throws {
        let decoded = try SignedTransaction.decode(raw: Self.eip155Raw)
        #expect(decoded.from == eip155Key.address)
        #expect(decoded.raw == Self.eip155Raw)
        guard case .legacy(let tx) = decoded.transaction else {
            Issue.record("expected a legacy transaction")
            return
        }
        #expect(tx.chainID == ChainID(1))
        #expect(tx.nonce == Nonce(9))
        #expect(tx.gasPrice == .gwei(20))
        #expect(tx.to == recipient)
        #expect(decoded.signature.yParity == 0)
    }

    /// Generated with eth-account: the EIP-155 example transaction without a chain id (v = 27).
    @Test func decodesPreEIP155() throws {
        let raw = hex("f86c098504a817c800825208943535353535353535353535353535353535353535880de0b6b3a7640000801ba08383adc8b8ae116f918fb44ca7ff9dfd8012596a5c130c6246a2cc717ba41cdaa053ddfacf5bd4aa7e46d1575acf52636ea659b91f29e2fb91c75567a279738f38")
        let decoded = try SignedTransaction.decode(raw: raw)
        #expect(decoded.transaction.chainID == nil)
        #expect(decoded.from == eip155Key.address)
        #expect(Hex.encode(decoded.hash.bytes) == "0x9eb247ec381302e0ac0c3c8d8d14969bb49d31ae3d266274d3112e1a86585d94")
    }

    /// Generated with eth-account: chain id 2^64 - 1 makes v = 2^65 + 33, past UInt64.
    @Test func legacyWithTheLargestChainID() throws {
        let tx = UnsignedTransaction.legacy(LegacyTransaction(
            chainID: ChainID(.max), nonce: Nonce(0), gasPrice: Wei(1), gas: Gas(21000), to: recipient))
        let signed = try Signer(key: eip155Key).sign(tx)
        #expect(Hex.encode(signed.raw, prefixed: false) == "f8688001825208943535353535353535353535353535353535353535808089020000000000000021a03f248613d4632ef0e0c84400e58701ea6db62b0d40305ee2314d69dad7f6f70da013b0c6e98867e3badd8b4d0442805689eb3dfca2ca106c88512be416e1ef18a9")
        let decoded = try SignedTransaction.decode(raw: signed.raw)
        #expect(decoded.transaction == tx)
        #expect(decoded.from == eip155Key.address)
    }

    /// Generated with eth-account: a type-2 contract creation on chain 2^64 - 1.
    @Test func eip1559ContractCreation() throws {
        let tx = UnsignedTransaction.eip1559(EIP1559Transaction(
            chainID: ChainID(.max), nonce: Nonce(0), maxPriorityFeePerGas: Wei(1), maxFeePerGas: Wei(2),
            gas: Gas(21000), to: nil, data: Calldata([0x60, 0x00])))
        let signed = try Signer(key: eip155Key).sign(tx)
        #expect(Hex.encode(signed.raw, prefixed: false) == "02f85888ffffffffffffffff8001028252088080826000c080a00f32423f2e033c07813c8f8b83525626e4f24e75182a7b8c22f340aadefae3afa0192c5044240027eaf6033d90b67f3cb70d265e80603c05ac4d6d2d9dfb951ffb")
        #expect(Hex.encode(signed.hash.bytes) == "0xa460e0a7d67d444baefec0faa997a690209b9e1ea65a3e8fc5f600d42c178ca7")
        #expect(try SignedTransaction.decode(raw: signed.raw) == signed)
    }

    @Test func roundTripsWithAnAccessList() throws {
        let key = try PrivateKey(bytes: [UInt8](repeating: 0, count: 31) + [7])
        let slot = try #require(StorageKey(bytes: [UInt8](repeating: 0, count: 31) + [1]))
        let tx = UnsignedTransaction.eip1559(EIP1559Transaction(
            chainID: ChainID(131_277_322_940_537), nonce: Nonce(300), maxPriorityFeePerGas: .gwei(2),
            maxFeePerGas: .gwei(90), gas: Gas(100_000), to: recipient, value: Wei(12345),
            data: Calldata([0xa9, 0x05, 0x9c, 0xbb]),
            accessList: [AccessListEntry(address: recipient, storageKeys: [slot, slot]), AccessListEntry(address: .zero)]))
        let signed = try Signer(key: key).sign(tx)
        let decoded = try SignedTransaction.decode(raw: signed.raw)
        #expect(decoded == signed)
        #expect(decoded.from == key.address)
    }

    @Test func signingIsDeterministic() throws {
        let tx = UnsignedTransaction.eip1559(EIP1559Transaction(
            chainID: ChainID(1), nonce: Nonce(1), maxPriorityFeePerGas: .gwei(1), maxFeePerGas: .gwei(2),
            gas: Gas(21000), to: recipient))
        let signer = Signer(key: eip155Key)
        #expect(try signer.sign(tx) == signer.sign(tx))
    }

    @Test func rejectsEmptyAndTruncatedInput() {
        #expect { try SignedTransaction.decode(raw: []) } throws: { ($0 as? TransactionDecodingError)?.code == .empty }
        #expect { try SignedTransaction.decode(raw: Self.eip155Raw.dropLast()) } throws: {
            ($0 as? TransactionDecodingError)?.code == .malformed
        }
        #expect { try SignedTransaction.decode(raw: Self.eip155Raw + [0x00]) } throws: {
            ($0 as? TransactionDecodingError)?.code == .malformed
        }
    }

    @Test(arguments: [UInt8(0x00), 0x01, 0x03, 0x04, 0x7f])
    func rejectsUnsupportedTypeBytes(_ type: UInt8) {
        #expect { try SignedTransaction.decode(raw: [type] + Self.eip155Raw) } throws: {
            ($0 as? TransactionDecodingError)?.code == .unsupportedType
        }
    }

    @Test func rejectsAStringWhereATransactionShouldBe() {
        #expect { try SignedTransaction.decode(raw: [0x83, 0x01, 0x02, 0x03]) } throws: {
            ($0 as? TransactionDecodingError)?.code == .malformed
        }
    }

    @Test func rejectsHighS() throws {
        var fields = try RLPItem.decode(Self.eip155Raw).asList()
        // The twin signature (r, n - s) with the other parity is valid ECDSA but malleable.
        fields[6] = .uint(UInt64(38))
        fields[8] = .bytes(curveOrderMinus(try fields[8].asBytes()))
        #expect { try SignedTransaction.decode(raw: RLPItem.list(fields).encoded()) } throws: {
            ($0 as? TransactionDecodingError)?.code == .highS
        }
    }

    @Test func rejectsNonCanonicalRLP() {
        // The nonce 0x09 written as the one-byte string 0x81 0x09, list length fixed up.
        var raw = Self.eip155Raw
        raw[1] = 0x6d
        raw.replaceSubrange(2...2, with: [0x81, 0x09])
        #expect { try SignedTransaction.decode(raw: raw) } throws: { ($0 as? TransactionDecodingError)?.code == .malformed }
    }

    @Test func rejectsIntegersWithLeadingZeros() throws {
        var fields = try RLPItem.decode(Self.eip155Raw).asList()
        fields[0] = .bytes([0x00, 0x09])
        #expect { try SignedTransaction.decode(raw: RLPItem.list(fields).encoded()) } throws: { error in
            (error as? TransactionDecodingError)?.code == .invalidField && "\(error)".contains("\"nonce\"")
        }
    }

    @Test func rejectsAWrongFieldCountAndABadRecipient() throws {
        let fields = try RLPItem.decode(Self.eip155Raw).asList()
        #expect { try SignedTransaction.decode(raw: RLPItem.list(Array(fields.dropLast())).encoded()) } throws: {
            ($0 as? TransactionDecodingError)?.code == .malformed
        }
        var badTo = fields
        badTo[3] = .bytes([UInt8](repeating: 0x35, count: 19))
        #expect { try SignedTransaction.decode(raw: RLPItem.list(badTo).encoded()) } throws: { error in
            (error as? TransactionDecodingError)?.code == .invalidField && "\(error)".contains("\"to\"")
        }
    }

    @Test func rejectsBadVAndZeroR() throws {
        var fields = try RLPItem.decode(Self.eip155Raw).asList()
        fields[6] = .uint(UInt64(29))
        #expect { try SignedTransaction.decode(raw: RLPItem.list(fields).encoded()) } throws: {
            ($0 as? TransactionDecodingError)?.code == .invalidSignature
        }
        fields[6] = .uint(UInt64(37))
        fields[7] = .bytes([])
        #expect { try SignedTransaction.decode(raw: RLPItem.list(fields).encoded()) } throws: {
            ($0 as? TransactionDecodingError)?.code == .invalidSignature
        }
    }
}
