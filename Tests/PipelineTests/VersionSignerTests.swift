import BroadcastModel
import EVMPrimitives
import EVMSigning
import Foundation
import Lifecycle
import Pipeline
import Testing

/// What `VersionSigner` signs, read back through `SignedTransaction.decode`: the bytes a node
/// gets, not the signer's own idea of them.
@Suite("VersionSigner: original, replacement and cancellation at one nonce")
struct VersionSignerTests {
    private static let chainID = ChainID(131_277_322_940_537)
    private static let key = try! PrivateKey(hex: "0x" + String(repeating: "0", count: 63) + "1")
    private static let otherKey = try! PrivateKey(hex: "0x" + String(repeating: "0", count: 63) + "2")
    private static let contract = try! Address("0x5FbDB2315678afecb367f032d93F642f64180aa3")
    private static let function = "add_weight(address,uint256)"
    private static let gasLimit = Gas(100_000)
    private static let calldata = try! Calldata(
        hex: "0xd71363280000000000000000000000005eb715d601c2f27f83cb554b6b36e047822fb70a"
            + "00000000000000000000000000000000000000000000000000000000000000fa")
    private static let fees = FeeCaps(maxFeePerGas: .gwei(30), maxPriorityFeePerGas: .gwei(2))
    private static let bumped = FeeCaps(maxFeePerGas: .gwei(33), maxPriorityFeePerGas: Wei(2_200_000_000))
    private static let signedAt = Date(timeIntervalSince1970: 1_700_000_000)

    private var signer: VersionSigner {
        VersionSigner(chainID: Self.chainID, signers: [Signer(key: Self.key)], gasLimits: [Self.function: Self.gasLimit])
    }

    private func request(from sender: Address = Self.key.address, function: String = Self.function) -> BroadcastRequest {
        BroadcastRequest(
            id: RequestID(), messageType: function, function: function, data: Self.calldata, to: Self.contract,
            from: sender, acceptedAt: Self.signedAt)
    }

    /// The version's raw bytes decoded: its EIP-1559 fields and the recovered sender.
    private func decoded(_ version: TransactionVersion) throws -> (EIP1559Transaction, SignedTransaction) {
        let signed = try SignedTransaction.decode(raw: version.raw)
        guard case .eip1559(let transaction) = signed.transaction else {
            Issue.record("version \(version.number) is not an EIP-1559 transaction")
            throw VersionSigningTestError()
        }
        return (transaction, signed)
    }

    @Test("the original carries the request's call at its nonce with the configured gas and the given fees")
    func original() throws {
        let call = request()
        let version = try signer.sign(call, nonce: Nonce(7), number: 1, kind: .original, fees: Self.fees, at: Self.signedAt)
        let (transaction, signed) = try decoded(version)
        #expect(signed.from == Self.key.address)
        #expect(signed.hash == version.hash, "the stored hash is not the hash of the stored bytes")
        #expect(transaction.chainID == Self.chainID)
        #expect(transaction.nonce == Nonce(7))
        #expect(transaction.to == Self.contract)
        #expect(transaction.value == .zero)
        #expect(transaction.data == Self.calldata)
        #expect(transaction.gas == Self.gasLimit)
        #expect(transaction.maxFeePerGas == Self.fees.maxFeePerGas)
        #expect(transaction.maxPriorityFeePerGas == Self.fees.maxPriorityFeePerGas)
        #expect(version.number == 1 && version.kind == .original && version.fees == Self.fees && version.signedAt == Self.signedAt)
    }

    @Test("a replacement is the same call at the same nonce with the new fees, and a new hash")
    func replacement() throws {
        let call = request()
        let original = try signer.sign(call, nonce: Nonce(7), number: 1, kind: .original, fees: Self.fees, at: Self.signedAt)
        let replacement = try signer.sign(call, nonce: Nonce(7), number: 2, kind: .replacement, fees: Self.bumped, at: Self.signedAt)
        let (first, _) = try decoded(original)
        let (second, signed) = try decoded(replacement)
        #expect(signed.from == Self.key.address)
        #expect(second.nonce == first.nonce)
        #expect(second.to == first.to && second.data == first.data && second.gas == first.gas && second.value == first.value)
        #expect(second.maxFeePerGas == Self.bumped.maxFeePerGas)
        #expect(second.maxPriorityFeePerGas == Self.bumped.maxPriorityFeePerGas)
        #expect(replacement.hash != original.hash)
        #expect(replacement.number == 2 && replacement.kind == .replacement)
    }

    @Test("a cancellation is a zero-value, empty transfer to the sender itself with 21,000 gas at the same nonce")
    func cancellation() throws {
        let call = request()
        let version = try signer.sign(call, nonce: Nonce(7), number: 3, kind: .cancellation, fees: Self.bumped, at: Self.signedAt)
        let (transaction, signed) = try decoded(version)
        #expect(signed.from == Self.key.address)
        #expect(transaction.nonce == Nonce(7))
        #expect(transaction.to == Self.key.address)
        #expect(transaction.value == .zero)
        #expect(transaction.data == .empty)
        #expect(transaction.gas == Gas(21_000) && VersionSigner.cancellationGas == Gas(21_000))
        #expect(transaction.maxFeePerGas == Self.bumped.maxFeePerGas)
        #expect(transaction.maxPriorityFeePerGas == Self.bumped.maxPriorityFeePerGas)
        #expect(transaction.accessList.isEmpty)
        #expect(version.number == 3 && version.kind == .cancellation)
    }

    @Test("signing is deterministic: the same version twice is the same bytes (a re-signed copy never makes a second transaction)")
    func deterministic() throws {
        let call = request()
        for kind in TransactionVersion.Kind.allCases {
            let first = try signer.sign(call, nonce: Nonce(3), number: 1, kind: kind, fees: Self.fees, at: Self.signedAt)
            let again = try signer.sign(call, nonce: Nonce(3), number: 1, kind: kind, fees: Self.fees, at: Date())
            #expect(first.raw == again.raw, "\(kind) signed twice gave different bytes")
            #expect(first.hash == again.hash)
        }
        // Another nonce or other fees are another transaction.
        let base = try signer.sign(call, nonce: Nonce(3), number: 1, kind: .original, fees: Self.fees, at: Self.signedAt)
        let otherNonce = try signer.sign(call, nonce: Nonce(4), number: 1, kind: .original, fees: Self.fees, at: Self.signedAt)
        #expect(base.hash != otherNonce.hash)
    }

    @Test("a sender without a configured key is refused, and so is a call without a configured gas limit (cancellations need no gas limit)")
    func refusals() throws {
        let stranger = request(from: Self.otherKey.address)
        #expect(signer.problem(with: stranger)?.contains("no key for sender") == true)
        for kind in TransactionVersion.Kind.allCases {
            #expect(throws: VersionSigningError.self, "\(kind) for a sender without a key") {
                try signer.sign(stranger, nonce: Nonce(0), number: 1, kind: kind, fees: Self.fees, at: Self.signedAt)
            }
        }
        let unknownType = request(function: "remove_weight(address,uint256)")
        #expect(signer.problem(with: unknownType)?.contains("not configured") == true)
        for kind in [TransactionVersion.Kind.original, .replacement] {
            #expect(throws: VersionSigningError.self, "\(kind) of an unconfigured message type") {
                try signer.sign(unknownType, nonce: Nonce(0), number: 1, kind: kind, fees: Self.fees, at: Self.signedAt)
            }
        }
        // A request already stored under a type the configuration dropped can still have its
        // nonce cancelled: the cancellation does not carry the call.
        let cancelled = try signer.sign(unknownType, nonce: Nonce(0), number: 2, kind: .cancellation, fees: Self.fees, at: Self.signedAt)
        #expect(try decoded(cancelled).0.gas == Gas(21_000))
        #expect(signer.problem(with: request()) == nil)
    }

    @Test("a tip above the fee cap is refused by the signer rather than sent to be refused by a node")
    func tipAboveCap() {
        let inverted = FeeCaps(maxFeePerGas: .gwei(1), maxPriorityFeePerGas: .gwei(2))
        #expect(throws: (any Error).self) {
            try signer.sign(request(), nonce: Nonce(0), number: 1, kind: .original, fees: inverted, at: Self.signedAt)
        }
    }
}

private struct VersionSigningTestError: Error {}
