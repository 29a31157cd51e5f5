import ChainRPC
import EVMPrimitives

/// The node's `dev_` commands: a test makes the chain misbehave the way a real one does.
///
/// ```swift
/// try await withDevChain(blockTime: 3600) { chain in
///     // … send a transaction, then:
///     try await chain.mine()                                // a block now
///     let reorg = try await chain.reorg(depth: 1)           // its receipt is gone, it is pooled again
///     _ = try await chain.evict(reorg.reinjected[0])        // and now it is gone from the pool too
/// }
/// ```
extension DevChain {
    /// A block the command mined or replaced.
    public struct Head: Sendable, Hashable, Decodable {
        public let number: BlockNumber
        public let hash: BlockHash
    }

    /// A block `mine(blocks:)` added.
    public struct MinedBlock: Sendable, Hashable, Decodable {
        public let number: BlockNumber
        public let hash: BlockHash
        public let transactionCount: UInt64

        private enum CodingKeys: String, CodingKey { case number, hash, transactions }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            number = try container.decode(BlockNumber.self, forKey: .number)
            hash = try container.decode(BlockHash.self, forKey: .hash)
            transactionCount = try decodeQuantity(container, .transactions)
        }
    }

    /// What a reorg did: the head before and after, and where the replaced blocks'
    /// transactions went.
    public struct Reorg: Sendable, Hashable, Decodable {
        public let oldHead: Head
        public let newHead: Head
        /// Back in the pool (mined again by a later block).
        public let reinjected: [TxHash]
        /// Gone from chain and pool: `eth_getTransactionByHash` answers null until re-sent.
        public let forgotten: [TxHash]
    }

    /// Mines `blocks` blocks from the pool now, whatever the block time.
    @discardableResult
    public func mine(blocks: Int = 1) async throws -> [MinedBlock] {
        try await command("dev_mine", [.number(Double(blocks))], as: [MinedBlock].self)
    }

    /// Replaces the last `depth` blocks by `newBlocks` empty ones (default `depth + 1`, the
    /// heavier fork; fewer makes `latest` go back). Receipts of the replaced blocks vanish and
    /// their hashes change; their transactions go back to the pool, or vanish too with
    /// `dropTransactions` (then they must be sent again).
    @discardableResult
    public func reorg(depth: Int, newBlocks: Int? = nil, dropTransactions: Bool = false) async throws -> Reorg {
        var options: [String: JSONValue] = [
            "depth": .number(Double(depth)), "dropTransactions": .bool(dropTransactions),
        ]
        if let newBlocks { options["blocks"] = .number(Double(newBlocks)) }
        return try await command("dev_reorg", [.object(options)], as: Reorg.self)
    }

    /// Restarts the node without its pool journal: mined blocks stay, every pooled transaction
    /// is forgotten, and for `downtime` every call is cut off unanswered. Returns how many
    /// transactions were forgotten.
    @discardableResult
    public func restart(downtime: Duration = .zero) async throws -> UInt64 {
        struct Answer: Decodable {
            let forgotten: UInt64
            init(from decoder: any Decoder) throws {
                forgotten = try decodeQuantity(
                    decoder.container(keyedBy: CodingKeys.self), .forgotten)
            }
            enum CodingKeys: String, CodingKey { case forgotten }
        }
        return try await command(
            "dev_restart", [.object(["downtime": .number(downtime.seconds)])], as: Answer.self
        ).forgotten
    }

    /// Evicts a pooled transaction, as a full pool or an expired lifetime does; false if the
    /// node did not pool it (mined transactions stay mined).
    @discardableResult
    public func evict(_ hash: TxHash) async throws -> Bool {
        try await command("dev_dropTransaction", [.string(hash.description)], as: Bool.self)
    }

    /// Pins the base fee of every next block (fee-bumping tests); nil lets EIP-1559 move it
    /// from the last block again.
    public func setBaseFee(_ baseFee: Wei?) async throws {
        let value: JSONValue = baseFee.map { .string(Quantity.encode($0.value)) } ?? .null
        _ = try await command("dev_setBaseFee", [value], as: JSONValue?.self)
    }

    private func command<Result: Decodable & Sendable>(
        _ method: String, _ params: [JSONValue], as type: Result.Type
    ) async throws -> Result {
        // Commands may mine many blocks: a generous timeout, and straight to the node.
        try await withChainRPCClient(endpoints: [url], callTimeout: .seconds(120)) { client in
            try await client.call(method, params, as: type)
        }
    }
}

private func decodeQuantity<Key: CodingKey>(_ container: KeyedDecodingContainer<Key>, _ key: Key) throws -> UInt64 {
    let text = try container.decode(String.self, forKey: key)
    do {
        return try Quantity.parseUInt64(text)
    } catch {
        throw DecodingError.dataCorruptedError(
            forKey: key, in: container, debugDescription: "\"\(text.prefix(80))\" is not a quantity: \(error)")
    }
}
