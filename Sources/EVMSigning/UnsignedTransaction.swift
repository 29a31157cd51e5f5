import EVMPrimitives

/// A transaction ready to sign, of either supported type.
public enum UnsignedTransaction: Hashable, Sendable {
    case legacy(LegacyTransaction)
    case eip1559(EIP1559Transaction)

    /// The chain the signature binds to (nil only for decoded pre-EIP-155 legacy transactions).
    public var chainID: ChainID? {
        switch self {
        case .legacy(let tx): tx.chainID
        case .eip1559(let tx): tx.chainID
        }
    }

    public var nonce: Nonce {
        switch self {
        case .legacy(let tx): tx.nonce
        case .eip1559(let tx): tx.nonce
        }
    }

    /// The recipient; nil for contract creation.
    public var to: Address? {
        switch self {
        case .legacy(let tx): tx.to
        case .eip1559(let tx): tx.to
        }
    }

    public var value: Wei {
        switch self {
        case .legacy(let tx): tx.value
        case .eip1559(let tx): tx.value
        }
    }

    public var gas: Gas {
        switch self {
        case .legacy(let tx): tx.gas
        case .eip1559(let tx): tx.gas
        }
    }

    public var data: Calldata {
        switch self {
        case .legacy(let tx): tx.data
        case .eip1559(let tx): tx.data
        }
    }

    /// The bytes whose keccak256 the signature covers.
    public func signingPayload() -> [UInt8] {
        switch self {
        case .legacy(let tx): tx.signingPayload()
        case .eip1559(let tx): tx.signingPayload()
        }
    }

    /// keccak256 of `signingPayload()`: the 32 bytes actually signed.
    public var signingHash: [UInt8] {
        Keccak256.hash(signingPayload())
    }

    func raw(signedWith signature: Signature) -> [UInt8] {
        switch self {
        case .legacy(let tx): tx.raw(signedWith: signature)
        case .eip1559(let tx): tx.raw(signedWith: signature)
        }
    }
}
