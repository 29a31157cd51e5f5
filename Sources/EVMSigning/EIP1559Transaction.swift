import EVMPrimitives

/// An EIP-1559 (type 2) fee-market transaction.
public struct EIP1559Transaction: Hashable, Sendable {
    public var chainID: ChainID
    public var nonce: Nonce
    /// The tip per gas paid to the block producer, at most `maxFeePerGas`.
    public var maxPriorityFeePerGas: Wei
    /// The most the sender pays per gas, base fee included.
    public var maxFeePerGas: Wei
    public var gas: Gas
    /// The recipient; nil creates a contract from `data`.
    public var to: Address?
    public var value: Wei
    public var data: Calldata
    public var accessList: AccessList

    /// The EIP-2718 type byte.
    public static let typeByte: UInt8 = 0x02

    public init(
        chainID: ChainID, nonce: Nonce, maxPriorityFeePerGas: Wei, maxFeePerGas: Wei, gas: Gas,
        to: Address?, value: Wei = .zero, data: Calldata = Calldata([]), accessList: AccessList = []
    ) {
        self.chainID = chainID
        self.nonce = nonce
        self.maxPriorityFeePerGas = maxPriorityFeePerGas
        self.maxFeePerGas = maxFeePerGas
        self.gas = gas
        self.to = to
        self.value = value
        self.data = data
        self.accessList = accessList
    }

    /// The bytes whose keccak256 is signed: 0x02 || rlp([chainId, nonce, maxPriorityFeePerGas,
    /// maxFeePerGas, gas, to, value, data, accessList]).
    public func signingPayload() -> [UInt8] {
        encode(fields(signature: nil))
    }

    /// 0x02 || rlp([...payload fields, yParity, r, s]).
    func raw(signedWith signature: Signature) -> [UInt8] {
        encode(fields(signature: signature))
    }

    /// The nine payload fields, then yParity, r and s when signed; sized once (this is the hot path).
    private func fields(signature: Signature?) -> [RLPItem] {
        var fields: [RLPItem] = []
        fields.reserveCapacity(12)
        fields.append(.uint(chainID.value))
        fields.append(.uint(nonce.value))
        fields.append(.uint(maxPriorityFeePerGas.value))
        fields.append(.uint(maxFeePerGas.value))
        fields.append(.uint(gas.value))
        fields.append(.address(to))
        fields.append(.uint(value.value))
        fields.append(.bytes(data.bytes))
        fields.append(.list(accessList.map(\.rlp)))
        if let signature {
            fields.append(.uint(UInt64(signature.yParity)))
            fields.append(.integer(signature.r))
            fields.append(.integer(signature.s))
        }
        return fields
    }

    private func encode(_ fields: [RLPItem]) -> [UInt8] {
        // Fixed fields and signature stay under 200 bytes; each access-list key costs 33.
        let accessListSize = accessList.reduce(0) { $0 + 24 + 33 * $1.storageKeys.count }
        var buffer: [UInt8] = [Self.typeByte]
        buffer.reserveCapacity(200 + data.bytes.count + accessListSize)
        RLPItem.list(fields).encode(into: &buffer)
        return buffer
    }
}
