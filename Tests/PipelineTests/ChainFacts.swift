import ChainRPC
import DevChainSupport
import EVMPrimitives
import EVMSigning
import Foundation

/// What the chain itself shows, read straight from the node (never through the worker's
/// proxy): the tests' verdicts come from here, not from the store.
struct ChainFacts: Sendable {
    let rpc: ChainRPCClient

    static let chainID = ChainID(DevChain.defaultChainID)

    /// Every transaction in the canonical chain whose input is `input`.
    func mined(carrying input: Calldata) async throws -> [RPCTransaction] {
        try await minedTransactions().filter { $0.input == input }
    }

    /// Every transaction in the canonical chain sent by `sender`, by nonce.
    func mined(from sender: Address) async throws -> [RPCTransaction] {
        try await minedTransactions().filter { $0.from == sender }.sorted { $0.nonce < $1.nonce }
    }

    /// Every transaction of every canonical block.
    func minedTransactions() async throws -> [RPCTransaction] {
        let latest = try await rpc.blockNumber()
        var found: [RPCTransaction] = []
        for number in 0...latest.value {
            guard let block = try await rpc.block(.number(BlockNumber(number))) else { continue }
            for hash in block.transactions {
                if let transaction = try await rpc.transaction(hash) { found.append(transaction) }
            }
        }
        return found
    }

    /// The receipt of `hash` once it is mined.
    func receipt(_ hash: TxHash, timeout: Duration = .seconds(30)) async throws -> TransactionReceipt {
        try await eventually("\(hash) mined", timeout: timeout) { try await rpc.transactionReceipt(hash) }
    }

    func balance(of address: Address) async throws -> Wei {
        try await rpc.call("eth_getBalance", [.string(address.checksummed), .string("latest")], as: Wei.self)
    }

    /// Mined transactions of `sender` (`latest`).
    func minedCount(of sender: Address) async throws -> Nonce {
        try await rpc.transactionCount(of: sender, at: .latest)
    }

    /// Signs with dev key 0x…`index` a transfer of `value` to `to` at `nonce` (the sender's
    /// pending count when nil), paying `tip` and up to `maxFee`, and sends it to the node: a
    /// transaction of the test's own, which the worker knows nothing of.
    @discardableResult
    func sendTransfer(
        fromDevKey index: Int, to: Address, value: Wei = .zero, nonce: Nonce? = nil, tip: Wei = .gwei(2),
        maxFee: Wei = .gwei(100)
    ) async throws -> TxHash {
        let signer = Signer(key: DevKeys.key(index))
        var next = nonce
        if next == nil { next = try await rpc.transactionCount(of: signer.address, at: .pending) }
        guard let next else { throw HarnessError("no nonce") }
        let transaction = EIP1559Transaction(
            chainID: Self.chainID, nonce: next, maxPriorityFeePerGas: tip, maxFeePerGas: maxFee, gas: Gas(21_000),
            to: to, value: value)
        let signed = try signer.sign(.eip1559(transaction))
        let hash = try await rpc.sendRawTransaction(signed.raw)
        guard hash == signed.hash else { throw HarnessError("the node answered \(hash) for \(signed.hash)") }
        return hash
    }
}

/// Runs `body` with the chain's facts, read from `chain` directly.
func withChainFacts<T: Sendable>(_ chain: DevChain, _ body: (ChainFacts) async throws -> T) async throws -> T {
    try await withChainRPCClient(endpoints: [chain.url]) { rpc in try await body(ChainFacts(rpc: rpc)) }
}
