import ChainRPC
import EVMPrimitives
import Logging
import StatusStore

/// Brings each sender's stored next nonce up to the chain's pending count before this process
/// signs anything for that sender.
///
/// The rule: no nonce is handed out for a sender until this process has read the sender's
/// pending transaction count from the node once and stored it (`reconcileNonce`). The store
/// alone could be behind the chain (a fresh file, or transactions sent by other means), and
/// signing from it would burn requests on "nonce too low". While the node does not answer,
/// intake waits (Kafka keeps the messages); the broadcaster and the recovery pass go on.
struct NonceReconciler: Sendable {
    let rpc: ChainRPCClient
    let store: any StatusStore
    /// Pause between attempts while the node does not answer.
    let retryDelay: Duration
    let logger: Logger
    private(set) var reconciled: Set<Address> = []

    init(rpc: ChainRPCClient, store: any StatusStore, retryDelay: Duration, logger: Logger) {
        self.rpc = rpc
        self.store = store
        self.retryDelay = retryDelay
        self.logger = logger
    }

    /// Tries each sender once, without waiting for a slow node to come back.
    mutating func tryOnce(_ senders: some Sequence<Address>) async {
        for sender in senders where !reconciled.contains(sender) {
            if await reconcile(sender) { reconciled.insert(sender) }
        }
    }

    /// Returns once every sender is reconciled, retrying each every `retryDelay`; throws
    /// `CancellationError` when cancelled first.
    mutating func ensure(_ senders: some Sequence<Address>) async throws {
        for sender in senders where !reconciled.contains(sender) {
            while !(await reconcile(sender)) {
                try await Task.sleep(for: retryDelay)
            }
            reconciled.insert(sender)
        }
    }

    private func reconcile(_ sender: Address) async -> Bool {
        let chainNext: Nonce
        do {
            chainNext = try await rpc.transactionCount(of: sender, at: .pending)
        } catch {
            logger.warning(
                "cannot read the sender's nonce from the node; not signing for this sender until it answers",
                metadata: ["from": "\(sender)", "retry_in": "\(retryDelay)", "error": "\(error)"])
            return false
        }
        do {
            try await store.reconcileNonce(sender: sender, chainNext: chainNext)
        } catch {
            logger.error(
                "cannot store the sender's reconciled nonce",
                metadata: ["from": "\(sender)", "retry_in": "\(retryDelay)", "error": "\(error)"])
            return false
        }
        logger.info("sender nonce reconciled with the chain", metadata: ["from": "\(sender)", "chain_pending_nonce": "\(chainNext.value)"])
        return true
    }
}
