import BroadcasterConfig
import Lifecycle

extension LifecyclePolicy {
    /// The lifecycle's timings and fee bounds from the `tracking`, `retry` and `fees` nodes.
    public init(configuration: BroadcasterConfiguration) {
        let fees = configuration.fees
        self.init(
            confirmations: configuration.tracking.confirmations,
            retry: configuration.retry,
            poolCheckAfter: configuration.tracking.poolCheckAfter,
            bumpAfter: configuration.tracking.bumpAfter,
            bumpAfterBlocks: configuration.tracking.bumpAfterBlocks,
            fees: FeePolicy(
                minTip: fees.minPriorityFeePerGas, maxTip: fees.maxPriorityFeePerGas, ceiling: fees.maxFeePerGas,
                baseFeeMultiplier: fees.baseFeeMultiplier, bumpPercent: fees.bumpPercent),
            maxPendingPerSender: configuration.worker.maxPendingPerSender)
    }
}
