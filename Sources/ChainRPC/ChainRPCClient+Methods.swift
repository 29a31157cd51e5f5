import EVMPrimitives

extension ChainRPCClient {
    /// The chain id the node signs for (`eth_chainId`).
    public func chainID() async throws(ChainRPCError) -> ChainID {
        try await call("eth_chainId")
    }

    /// The number of transactions `address` has sent as of `block` (`eth_getTransactionCount`);
    /// with `.pending`, the next nonce the node expects, counting its pool.
    public func transactionCount(of address: Address, at block: BlockTag) async throws(ChainRPCError) -> Nonce {
        try await call("eth_getTransactionCount", [.string(address.checksummed), block.jsonValue])
    }

    /// Submits a signed transaction (`eth_sendRawTransaction`) and returns the node's hash for it.
    ///
    /// On a `retryLater` failure the transaction may still have landed: send the same bytes
    /// again (an `alreadySent` or `nonceTooLow` answer then tells what happened), never a
    /// re-signed copy with a new nonce.
    public func sendRawTransaction(_ raw: [UInt8]) async throws(ChainRPCError) -> TxHash {
        try await call("eth_sendRawTransaction", [.string(Hex.encode(raw))])
    }

    /// A transaction by hash (`eth_getTransactionByHash`); nil when the node does not know it.
    public func transaction(_ hash: TxHash) async throws(ChainRPCError) -> RPCTransaction? {
        try await call("eth_getTransactionByHash", [.string(Hex.encode(hash.bytes))])
    }

    /// A mined transaction's receipt (`eth_getTransactionReceipt`); nil while pending or unknown.
    public func transactionReceipt(_ hash: TxHash) async throws(ChainRPCError) -> TransactionReceipt? {
        try await call("eth_getTransactionReceipt", [.string(Hex.encode(hash.bytes))])
    }

    /// The gas `call` would use if sent now (`eth_estimateGas`).
    public func estimateGas(_ call: CallRequest) async throws(ChainRPCError) -> Gas {
        try await self.call("eth_estimateGas", [call.jsonValue])
    }

    /// The node's suggested legacy gas price (`eth_gasPrice`).
    public func gasPrice() async throws(ChainRPCError) -> Wei {
        try await call("eth_gasPrice")
    }

    /// The node's suggested EIP-1559 tip (`eth_maxPriorityFeePerGas`).
    public func maxPriorityFeePerGas() async throws(ChainRPCError) -> Wei {
        try await call("eth_maxPriorityFeePerGas")
    }

    /// Base fees and tip percentiles of the `blockCount` blocks up to `newestBlock` (`eth_feeHistory`).
    public func feeHistory(
        blockCount: UInt64,
        newestBlock: BlockTag,
        rewardPercentiles: [Double]
    ) async throws(ChainRPCError) -> FeeHistory {
        try await call(
            "eth_feeHistory",
            [.string(Quantity.encode(blockCount)), newestBlock.jsonValue, .array(rewardPercentiles.map(JSONValue.number))])
    }

    /// The latest block's number (`eth_blockNumber`).
    public func blockNumber() async throws(ChainRPCError) -> BlockNumber {
        try await call("eth_blockNumber")
    }

    /// A block's header and transaction hashes (`eth_getBlockByNumber` without full
    /// transactions); nil when the node has no such block.
    public func block(_ tag: BlockTag) async throws(ChainRPCError) -> Block? {
        try await call("eth_getBlockByNumber", [tag.jsonValue, .bool(false)])
    }

    /// Every receipt of a block (`eth_getBlockReceipts`: geth, Erigon, Nethermind, Besu and
    /// Reth serve it); nil when the node has no such block.
    public func blockReceipts(_ tag: BlockTag) async throws(ChainRPCError) -> [TransactionReceipt]? {
        try await call("eth_getBlockReceipts", [tag.jsonValue])
    }
}
