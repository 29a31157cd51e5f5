import ChainRPC
import EVMPrimitives
import Foundation
import Lifecycle
import StatusStore

/// The fresh look at the chain before a retry: no version that carries the call was mined with
/// effect, and the sender's mined count is past the request's nonce, so no old version can
/// still land. The node is slow: every call is bounded and all are made at once.
///
/// A cancellation's receipt, or a reverted call's, does not refuse: neither had the call's
/// effect, and the nonce they took is what makes the retry safe.
struct ChainCheck: Sendable {
    let chain: any RetryChain
    /// A backstop over the client's own timeouts (which apply per endpoint).
    let callTimeout: Duration

    private enum Answer: Sendable {
        case receipt(TransactionVersion, TransactionReceipt?)
        case minedCount(Nonce)
        case failed(String)
    }

    func run(_ stored: StoredRequest, at now: Date) async -> Result<ChainEvidence, RetryRefusal> {
        let lifecycle = stored.lifecycle
        let answers = await withTaskGroup(of: Answer.self, returning: [Answer].self) { group in
            for version in lifecycle.versions {
                group.addTask { [chain, callTimeout] in
                    switch await bounded(callTimeout, { () async throws(ChainRPCError) -> TransactionReceipt? in try await chain.transactionReceipt(version.hash) }) {
                    case .success(let receipt): .receipt(version, receipt)
                    case .failure(let reason): .failed("the receipt of \(version.hash): \(reason)")
                    }
                }
            }
            group.addTask { [chain, callTimeout] in
                switch await bounded(callTimeout, { () async throws(ChainRPCError) -> Nonce in try await chain.transactionCount(of: lifecycle.sender, at: .latest) }) {
                case .success(let count): .minedCount(count)
                case .failure(let reason): .failed("the mined transaction count of \(lifecycle.sender): \(reason)")
                }
            }
            var answers: [Answer] = []
            for await answer in group { answers.append(answer) }
            return answers
        }
        var minedCount: Nonce?
        var failures: [String] = []
        var effective: (TxHash, BlockNumber)?
        var taker = ChainEvidence.NonceTaker.anotherTransaction
        for answer in answers {
            switch answer {
            case .receipt(let version, let receipt?) where version.kind != .cancellation && receipt.status == .success:
                effective = (version.hash, receipt.blockNumber)
            case .receipt(let version, _?) where version.kind == .cancellation:
                taker = .cancellation(version.hash)
            case .receipt(let version, _?):
                taker = .revertedCall(version.hash)
            case .receipt: break
            case .minedCount(let count): minedCount = count
            case .failed(let reason): failures.append(reason)
            }
        }
        if let effective {
            let (hash, block) = effective
            return .failure(RetryRefusal(
                .mined(hash, block: block),
                "request \(stored.id) was mined with effect: \(hash) is in block \(block). A retry would make the call twice; do not retry it (the store will follow the chain)"))
        }
        guard failures.isEmpty, let minedCount else {
            return .failure(RetryRefusal(
                .chainUnavailable,
                "the node did not answer the check before a retry (\(failures.joined(separator: "; "))). Nothing was retried; try again when the node answers"))
        }
        guard minedCount > lifecycle.nonce else {
            return .failure(RetryRefusal(
                .nonceOpen(nonce: lifecycle.nonce, chainLatestNonce: minedCount),
                "the chain has mined \(minedCount) transactions of \(lifecycle.sender), so nonce \(lifecycle.nonce) of request \(stored.id) is still open and one of its versions could still be mined. Retry once the nonce is taken (a cancellation or a later transaction of the sender)"))
        }
        return .success(ChainEvidence(
            hashesChecked: lifecycle.versions.map(\.hash), nonce: lifecycle.nonce, chainLatestNonce: minedCount, nonceTakenBy: taker,
            checkedAt: now))
    }
}

/// Runs `operation`, giving up after `timeout`: the failure says which.
func bounded<T: Sendable>(
    _ timeout: Duration, _ operation: @escaping @Sendable () async throws(ChainRPCError) -> T
) async -> Result<T, BoundedCallFailure> {
    await withTaskGroup(of: Result<T, BoundedCallFailure>?.self) { group in
        group.addTask {
            do throws(ChainRPCError) {
                return .success(try await operation())
            } catch {
                return .failure(.failed(error.description))
            }
        }
        group.addTask {
            try? await Task.sleep(for: timeout)
            return Task.isCancelled ? nil : .failure(.timedOut(timeout))
        }
        var outcome: Result<T, BoundedCallFailure> = .failure(.timedOut(timeout))
        for await answer in group {
            if let answer {
                outcome = answer
                break
            }
        }
        group.cancelAll()
        return outcome
    }
}

enum BoundedCallFailure: Error, CustomStringConvertible {
    case failed(String)
    case timedOut(Duration)

    var description: String {
        switch self {
        case .failed(let reason): reason
        case .timedOut(let timeout): "no answer within \(timeout)"
        }
    }
}
