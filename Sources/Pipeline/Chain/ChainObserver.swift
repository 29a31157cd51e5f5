import EVMPrimitives
import Lifecycle

/// What the chain watcher reports to: the lanes, through their supervisor.
protocol ChainObserver: Sendable {
    /// The hashes among `hashes` that some lane is waiting for.
    func tracked(_ hashes: [TxHash]) async -> [TxHash]
    /// A tracked hash is in a canonical block.
    func included(_ inclusion: Inclusion) async
    /// Every block above `forkPoint` is no longer canonical.
    func reorganised(above forkPoint: BlockNumber) async
    /// The head the watcher has processed up to, the blocks it processed (its window), and the
    /// fees it asks for now.
    func head(_ head: BlockNumber, canonical: CanonicalBlocks, market: MarketFees?) async
}
