import EVMPrimitives

/// A signed transaction: what was signed, the signature, and the bytes to broadcast.
public struct SignedTransaction: Hashable, Sendable {
    public let transaction: UnsignedTransaction
    public let signature: Signature
    /// The network encoding, as sent with `eth_sendRawTransaction`.
    public let raw: [UInt8]
    /// keccak256(raw): the transaction hash the chain reports.
    public let hash: TxHash
    /// The sender, recovered from (or signed with) the key.
    public let from: Address

    init(transaction: UnsignedTransaction, signature: Signature, raw: [UInt8], from: Address) {
        self.transaction = transaction
        self.signature = signature
        self.raw = raw
        // Keccak-256 output is 32 bytes by construction.
        self.hash = try! TxHash(bytes: Keccak256.hash(raw))
        self.from = from
    }
}
