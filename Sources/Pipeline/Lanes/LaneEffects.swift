import BroadcastModel
import ChainRPC
import EVMPrimitives
import Lifecycle
import Logging
import StatusStore

/// What a lane acts through: the node, the store, the keys, and where it reports.
struct LaneEffects: Sendable {
    let rpc: ChainRPCClient
    let store: any StatusStore
    let signer: VersionSigner
    let policy: LifecyclePolicy
    let index: HashIndex
    /// Bounds the node calls of every lane together.
    let limiter: CallLimiter
    let metrics: WorkerMetrics
    let logger: Logger
    /// Every lane's saves, grouped into shared transactions.
    let saves: GroupedSaves

    init(
        rpc: ChainRPCClient, store: any StatusStore, signer: VersionSigner, policy: LifecyclePolicy, index: HashIndex,
        limiter: CallLimiter, metrics: WorkerMetrics, logger: Logger
    ) {
        self.rpc = rpc
        self.store = store
        self.signer = signer
        self.policy = policy
        self.index = index
        self.limiter = limiter
        self.metrics = metrics
        self.logger = logger
        self.saves = GroupedSaves(store: store)
    }
}

/// Which sender is waiting for which hash: the chain watcher asks it which hashes of a block
/// are ours, and routes inclusions to the lane of their sender.
actor HashIndex {
    private var senders: [TxHash: Address] = [:]

    func track(_ hashes: [TxHash], for sender: Address) {
        for hash in hashes { senders[hash] = sender }
    }

    func untrack(_ hashes: [TxHash]) {
        for hash in hashes { senders[hash] = nil }
    }

    func sender(of hash: TxHash) -> Address? { senders[hash] }

    func tracked(_ hashes: [TxHash]) -> [TxHash] { hashes.filter { senders[$0] != nil } }

    func untrackAll(of sender: Address) {
        senders = senders.filter { $0.value != sender }
    }
}
