import ChainRPC
import EVMPrimitives

/// What the retry's chain check asks a node; `ChainRPCClient` answers it.
public protocol RetryChain: Sendable {
    func transactionReceipt(_ hash: TxHash) async throws(ChainRPCError) -> TransactionReceipt?
    func transactionCount(of address: Address, at block: BlockTag) async throws(ChainRPCError) -> Nonce
}

extension ChainRPCClient: RetryChain {}
