import BigInt
import BroadcastModel
import BroadcasterConfig
import ChainRPC
import DevChainSupport
import EVMPrimitives
import Foundation
import Lifecycle
import StatusStore
import Testing

extension OnChain {
    /// Issue 7, rule 3 (bump): a version the chain will not mine is replaced at the same nonce
    /// with both fees raised by at least 10%, up to the fee ceiling and never above it.
    @Suite("Fee bumping")
    struct FeeBumpTests {
        /// The base fee is pinned above what the first version pays. The head of the sender's
        /// line is replaced once (+10% or more on the tip and the cap, the cap at the ceiling),
        /// the node swaps it in its pool, and the next raise would pass the ceiling: an alert,
        /// no third version. The nonce behind it keeps its only version. Once the base fee
        /// falls, the replacement is what is mined and settles the request; both hashes stay
        /// known.
        @Test func theHeadOfTheLineIsReplacedWithHigherFeesUpToTheCeilingAndTheMinedVersionSettlesIt() async throws {
            try await withGround(blockTime: 3600) { ground in
                let logs = LogRecorder()
                let defaults = try ground.configuration()
                let (genesisBaseFee, ceiling) = try await withChainFacts(ground.chain) { chain throws in
                    // Room for exactly one raise above the first version's fees.
                    let baseFee = try #require(try await chain.rpc.block(.latest)?.baseFeePerGas)
                    let market = MarketFees(baseFee: baseFee, suggestedTip: try await chain.rpc.maxPriorityFeePerGas())
                    let first = FeePolicy(
                        minTip: defaults.fees.minPriorityFeePerGas, maxTip: defaults.fees.maxPriorityFeePerGas,
                        ceiling: .gwei(1_000_000)
                    ).initial(for: market)
                    return (baseFee, try #require(Wei(exactly: first.maxFeePerGas.value * 13 / 10)))
                }
                let configuration = try ground.configuration {
                    $0.tracking.bumpAfter = .milliseconds(1500)
                    $0.fees.maxFeePerGas = ceiling
                }
                let pinned = try #require(Wei(exactly: ceiling.value * 2))
                let head = Fixtures.request(weight: 30)
                let behind = Fixtures.request(weight: 31)
                let (settled, events) = try await whileWorkerRuns(configuration, logs: logs) { _ in
                    try await watchingResults(ground.broker, for: head.id) {
                        try await withChainFacts(ground.chain) { chain throws in
                            try await ground.produce(head, behind)
                            let first = try await ground.request(head.id) { $0.status == .submitted }.lifecycle.original
                            _ = try await ground.request(behind.id) { $0.status == .submitted }

                            try await ground.chain.setBaseFee(pinned)
                            let block = try #require(try await ground.chain.mine().first)
                            #expect(block.transactionCount == 0, "the base fee is above what both pay")

                            let replaced = try await ground.request(head.id) { $0.status == .replaced }
                            let second = try #require(replaced.lifecycle.versions.last)
                            #expect(replaced.lifecycle.versions.count == 2)
                            #expect(second.kind == .replacement)
                            #expect(second.fees.maxFeePerGas.value * 100 >= first.fees.maxFeePerGas.value * 110)
                            #expect(second.fees.maxPriorityFeePerGas.value * 100 >= first.fees.maxPriorityFeePerGas.value * 110)
                            #expect(second.fees.maxFeePerGas == ceiling, "the market asks for more than the ceiling allows")
                            // The node took the replacement in place of the first version.
                            let pooled = try #require(try await chain.rpc.transaction(second.hash))
                            #expect(pooled.nonce == replaced.lifecycle.nonce && pooled.input == head.data)
                            #expect(pooled.maxFeePerGas == second.fees.maxFeePerGas)
                            #expect(try await chain.rpc.transaction(first.hash) == nil)

                            // The next raise would pass the ceiling: an operator hears of it.
                            let alert = try await eventually("the fee ceiling alert") {
                                logs.alerts.first { $0.message.contains("fees.maxFeePerGasGwei") }
                            }
                            #expect(alert.metadata["request_id"] == "\(head.id)")
                            try await ground.chain.mine(blocks: 2)
                            try await Task.sleep(for: .seconds(2))
                            let waiting = try #require(try await ground.store.request(head.id))
                            #expect(waiting.status == .replaced)
                            #expect(waiting.lifecycle.versions.count == 2)
                            #expect(try await ground.store.request(behind.id)?.lifecycle.versions.count == 1, "only the head of the line is bumped")

                            try await ground.chain.setBaseFee(genesisBaseFee)
                            try await ground.chain.mine()
                            _ = try await ground.request(head.id) { $0.status == .mined }
                            try await ground.chain.mine()
                            let settled = try await ground.request(head.id) { $0.status.isFinal }
                            _ = try await ground.request(behind.id) { $0.status == .confirmed }

                            #expect(try await chain.mined(carrying: head.data).map(\.hash) == [second.hash])
                            #expect(try await chain.rpc.transactionReceipt(first.hash) == nil)
                            return settled
                        }
                    }
                }
                #expect(settled.status == .confirmed)
                #expect(settled.lifecycle.inclusion?.hash == settled.lifecycle.versions.last?.hash)
                #expect(settled.lifecycle.versions.map(\.kind) == [.original, .replacement])
                #expect(settled.lifecycle.versions.allSatisfy { $0.fees.maxFeePerGas <= ceiling })
                // The API's view: every version with its fees, the one mined as the receipt.
                let final = try #require(events.last)
                #expect(final.versions.map(\.hash) == settled.lifecycle.versions.map(\.hash))
                #expect(final.versions.map(\.maxFeePerGas) == settled.lifecycle.versions.map(\.fees.maxFeePerGas))
                #expect(final.receipt?.hash == settled.lifecycle.versions.last?.hash)
                #expect(events.map(\.status).contains(.replaced))
            }
        }
    }
}
