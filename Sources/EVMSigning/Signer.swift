import EVMPrimitives

/// Signs transactions with one private key (RFC 6979 deterministic, low-s).
public struct Signer: Sendable {
    private let key: PrivateKey

    public init(key: PrivateKey) {
        self.key = key
    }

    /// The address every transaction this signer signs comes from.
    public var address: Address { key.address }

    /// Signs `transaction`, refusing ones a node would reject or that could replay across chains.
    public func sign(_ transaction: UnsignedTransaction) throws(SigningError) -> SignedTransaction {
        switch transaction {
        case .legacy(let tx) where tx.chainID == nil:
            throw .missingChainID
        case .eip1559(let tx) where tx.maxPriorityFeePerGas > tx.maxFeePerGas:
            throw .priorityFeeAboveMaxFee
        default:
            break
        }
        let signature = Secp256k1.sign(hash: transaction.signingHash, secretKey: key.secret)
        return SignedTransaction(
            transaction: transaction,
            signature: signature,
            raw: transaction.raw(signedWith: signature),
            from: key.address
        )
    }
}

extension Signer: CustomStringConvertible {
    public var description: String { "Signer(address \(address.checksummed))" }
}

/// Why `Signer` refused a transaction.
public struct SigningError: Error, CustomStringConvertible, Equatable, Sendable {
    public let description: String

    /// A legacy transaction without a chain id would be valid on every chain (no EIP-155).
    public static let missingChainID = SigningError(
        description: "legacy transaction has no chain id; set chainId so the signature cannot be replayed on other chains"
    )

    /// maxPriorityFeePerGas above maxFeePerGas is rejected by every node.
    public static let priorityFeeAboveMaxFee = SigningError(
        description: "maxPriorityFeePerGas exceeds maxFeePerGas; lower the tip or raise the fee cap"
    )
}
