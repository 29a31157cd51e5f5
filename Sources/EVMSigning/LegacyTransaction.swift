import BigInt
import EVMPrimitives

/// A legacy (type 0) transaction, signed with EIP-155 replay protection.
public struct LegacyTransaction: Hashable, Sendable {
    /// The chain the signature binds to; nil only for pre-EIP-155 transactions decoded from
    /// raw bytes (v = 27/28), which `Signer` refuses to produce because they replay on any chain.
    public var chainID: ChainID?
    public var nonce: Nonce
    public var gasPrice: Wei
    public var gas: Gas
    /// The recipient; nil creates a contract from `data`.
    public var to: Address?
    public var value: Wei
    public var data: Calldata

    public init(
        chainID: ChainID?, nonce: Nonce, gasPrice: Wei, gas: Gas,
        to: Address?, value: Wei = .zero, data: Calldata = Calldata([])
    ) {
        self.chainID = chainID
        self.nonce = nonce
        self.gasPrice = gasPrice
        self.gas = gas
        self.to = to
        self.value = value
        self.data = data
    }

    /// The bytes whose keccak256 is signed: rlp([nonce, gasPrice, gas, to, value, data, chainId, 0, 0]),
    /// or the first six fields alone before EIP-155.
    public func signingPayload() -> [UInt8] {
        var fields = payloadFields
        if let chainID {
            fields += [.uint(chainID.value), .bytes([]), .bytes([])]
        }
        return encode(fields)
    }

    /// rlp([nonce, gasPrice, gas, to, value, data, v, r, s]).
    func raw(signedWith signature: Signature) -> [UInt8] {
        encode(payloadFields + [
            Self.v(chainID: chainID, yParity: signature.yParity),
            .integer(signature.r),
            .integer(signature.s),
        ])
    }

    /// v = chainId * 2 + 35 + yParity (EIP-155) or 27 + yParity, widened past UInt64 when needed.
    static func v(chainID: ChainID?, yParity: UInt8) -> RLPItem {
        guard let chainID else { return .uint(27 + UInt64(yParity)) }
        let (doubled, overflowed) = chainID.value.multipliedReportingOverflow(by: 2)
        let (v, carried) = doubled.addingReportingOverflow(35 + UInt64(yParity))
        if !overflowed && !carried { return .uint(v) }
        return .uint(BigUInt(chainID.value) * 2 + BigUInt(35 + UInt64(yParity)))
    }

    private var payloadFields: [RLPItem] {
        [.uint(nonce.value), .uint(gasPrice.value), .uint(gas.value), .address(to), .uint(value.value), .bytes(data.bytes)]
    }

    private func encode(_ fields: [RLPItem]) -> [UInt8] {
        var buffer: [UInt8] = []
        buffer.reserveCapacity(data.bytes.count + 160)
        RLPItem.list(fields).encode(into: &buffer)
        return buffer
    }
}

extension RLPItem {
    /// The recipient field: 20 bytes, or the empty string for contract creation.
    static func address(_ address: Address?) -> RLPItem {
        .bytes(address?.bytes ?? [])
    }

    /// A 32-byte big-endian integer (r or s) in RLP's minimal form.
    static func integer(_ bytes: [UInt8]) -> RLPItem {
        .bytes(Array(bytes.drop(while: { $0 == 0 })))
    }
}
