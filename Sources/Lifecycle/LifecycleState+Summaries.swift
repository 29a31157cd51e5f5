import BroadcastModel
import EVMPrimitives
import Foundation

extension LifecycleState {
    /// The versions as events and the API show them.
    public var versionSummaries: [VersionSummary] {
        versions.map {
            VersionSummary(
                number: $0.number, kind: $0.kind.rawValue, hash: $0.hash, maxFeePerGas: $0.fees.maxFeePerGas,
                maxPriorityFeePerGas: $0.fees.maxPriorityFeePerGas, signedAt: $0.signedAt)
        }
    }

    /// The receipt while mined.
    public var receiptSummary: ReceiptSummary? {
        inclusion.map {
            ReceiptSummary(
                hash: $0.hash, block: $0.block, blockHash: $0.blockHash, succeeded: $0.succeeded, gasUsed: $0.gasUsed,
                effectiveGasPrice: $0.effectiveGasPrice)
        }
    }

    /// The hash that stands for the request now: the mined version's, else the newest.
    public var currentHash: TxHash { inclusion?.hash ?? latest.hash }

    /// Why it failed (when it did), else the last error.
    public var reason: String? {
        if case .failed(let reason) = outcome { return reason }
        return lastError
    }

    /// The event announcing this state, the `sequence`th change of the request.
    public func event(sequence: Int, at date: Date) -> StatusEvent {
        StatusEvent(
            id: id, sequence: sequence, status: status, nonce: nonce, hash: currentHash, versions: versionSummaries,
            receipt: receiptSummary, error: reason, at: date)
    }
}
