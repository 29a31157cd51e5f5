extension DevChain {
    /// How the local node's pool and chain misbehave; nil leaves the node's default (geth's
    /// txpool limits, no chaos). See devchain/README.md for the exact rules.
    public struct Options: Sendable {
        /// geth's txpool limits.
        public var pool: PoolLimits
        /// Random evictions and automatic reorgs, for chaos runs.
        public var chaos: Chaos
        /// Calls a JSON-RPC batch may hold (geth's `--rpc.batch-request-limit`) [1000].
        public var maxBatch: Int?
        /// Methods the node answers as one without them (-32601), e.g. `eth_getBlockReceipts`.
        public var withoutMethods: [String]

        public init(pool: PoolLimits = .init(), chaos: Chaos = .init(), maxBatch: Int? = nil, withoutMethods: [String] = []) {
            self.pool = pool
            self.chaos = chaos
            self.maxBatch = maxBatch
            self.withoutMethods = withoutMethods
        }

        var arguments: [String] {
            pool.arguments + chaos.arguments + (maxBatch.map { ["--max-batch", String($0)] } ?? [])
                + (withoutMethods.isEmpty ? [] : ["--without-methods", withoutMethods.joined(separator: ",")])
        }
    }

    /// geth's txpool limits (`--txpool.*`): nil keeps geth's default, in brackets.
    public struct PoolLimits: Sendable {
        /// Pending transactions an account keeps when the pool's pending is over `globalSlots` [16].
        public var accountSlots: Int?
        /// Pending transactions of all accounts before the largest accounts are shaved [5120].
        public var globalSlots: Int?
        /// Queued (nonce-gapped) transactions per account; the highest nonces go [64].
        public var accountQueue: Int?
        /// Queued transactions of all accounts; the least recently active lose theirs [1024].
        public var globalQueue: Int?
        /// How long a silent account's queued transactions stay [3 h].
        public var lifetime: Duration?

        public init(
            accountSlots: Int? = nil, globalSlots: Int? = nil, accountQueue: Int? = nil,
            globalQueue: Int? = nil, lifetime: Duration? = nil
        ) {
            self.accountSlots = accountSlots
            self.globalSlots = globalSlots
            self.accountQueue = accountQueue
            self.globalQueue = globalQueue
            self.lifetime = lifetime
        }

        var arguments: [String] {
            var arguments: [String] = []
            if let accountSlots { arguments += ["--pool-account-slots", String(accountSlots)] }
            if let globalSlots { arguments += ["--pool-global-slots", String(globalSlots)] }
            if let accountQueue { arguments += ["--pool-account-queue", String(accountQueue)] }
            if let globalQueue { arguments += ["--pool-global-queue", String(globalQueue)] }
            if let lifetime { arguments += ["--pool-lifetime", String(lifetime.seconds)] }
            return arguments
        }
    }

    /// Misbehaviour of a busy network, drawn from one generator seeded by `seed`.
    public struct Chaos: Sendable {
        /// Makes the draws repeatable.
        public var seed: UInt64?
        /// After every block, each pooled transaction is evicted with this probability.
        public var evictProbability: Double?
        /// An automatic reorg after every this many blocks (reorg blocks not counted).
        public var reorgEvery: Int?
        /// An automatic reorg replaces 1 to this many blocks by one more empty block.
        public var reorgDepth: Int?
        /// Each transaction of a replaced block is forgotten (must be sent again) with this
        /// probability instead of going back to the pool.
        public var reorgDropProbability: Double?

        public init(
            seed: UInt64? = nil, evictProbability: Double? = nil, reorgEvery: Int? = nil,
            reorgDepth: Int? = nil, reorgDropProbability: Double? = nil
        ) {
            self.seed = seed
            self.evictProbability = evictProbability
            self.reorgEvery = reorgEvery
            self.reorgDepth = reorgDepth
            self.reorgDropProbability = reorgDropProbability
        }

        var arguments: [String] {
            var arguments: [String] = []
            if let seed { arguments += ["--seed", String(seed)] }
            if let evictProbability { arguments += ["--evict-probability", String(evictProbability)] }
            if let reorgEvery { arguments += ["--reorg-every", String(reorgEvery)] }
            if let reorgDepth { arguments += ["--reorg-depth", String(reorgDepth)] }
            if let reorgDropProbability { arguments += ["--reorg-drop-probability", String(reorgDropProbability)] }
            return arguments
        }
    }
}

extension Duration {
    /// Seconds with their fraction, as the node's flags and commands take them.
    var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
