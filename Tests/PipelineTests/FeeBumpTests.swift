import BigInt
import BroadcastModel
import BroadcasterConfig
import ChainRPC
import DevChainSupport
import EVMPrimitives
import Foundation
import Lifecycle
import SQLiteStore
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

        /// A fee refusal is answered by a replacement, not a retry of the same bytes. A
        /// transaction of the test's own holds the request's nonce in the node's pool, paying 5%
        /// more than the worker's first version: the node answers "replacement transaction
        /// underpriced". With room under the ceiling the worker raises its fees until the node
        /// swaps its version in (+12% is still refused, +25% is taken), and that version is
        /// mined, the other transaction never. With a ceiling the second raise would pass, the
        /// worker never signs above it and alerts; the other transaction is mined, and the
        /// chain, by receipts, fails the request.
        @Test(arguments: [true, false])
        func aFeeRefusalIsAnsweredByReplacementsThatNeverPassTheCeiling(ceilingAllowsIt: Bool) async throws {
            try await withGround(blockTime: 3600) { ground in
                let logs = LogRecorder()
                // The market stands still: every version is priced from the same base fee and tip.
                let baseFee = try await withChainFacts(ground.chain) { chain throws in
                    try #require(try await chain.rpc.block(.latest)?.baseFeePerGas)
                }
                try await ground.chain.setBaseFee(baseFee)
                let warmUp = Fixtures.request(weight: 32)
                let request = Fixtures.request(weight: ceilingAllowsIt ? 33 : 34)
                let probe = try ground.configuration()
                let first = FeePolicy(
                    minTip: probe.fees.minPriorityFeePerGas, maxTip: probe.fees.maxPriorityFeePerGas, ceiling: probe.fees.maxFeePerGas
                ).initial(for: MarketFees(baseFee: baseFee, suggestedTip: try await withChainFacts(ground.chain) { try await $0.rpc.maxPriorityFeePerGas() }))
                // Room for two raises of 12%, or for one.
                let ceiling = try #require(Wei(exactly: first.maxFeePerGas.value * (ceilingAllowsIt ? 130 : 115) / 100))
                let configuration = try ground.configuration { $0.fees.maxFeePerGas = ceiling }
                let (stored, intruder) = try await whileWorkerRuns(configuration, logs: logs) { _ in
                    try await withChainFacts(ground.chain) { chain throws in
                        try await ground.produce(warmUp)
                        let warm = try await ground.request(warmUp.id) { $0.status == .submitted }
                        #expect(warm.lifecycle.original.fees == first, "the worker prices from the same market")
                        try await ground.chain.mine(blocks: 2)
                        _ = try await ground.request(warmUp.id) { $0.status == .confirmed }

                        // Nonce 1, which the worker hands out next, taken in the pool first.
                        let intruder = try await chain.sendTransfer(
                            fromDevKey: 1, to: DevKeys.address(9), value: Wei(1), nonce: Nonce(1),
                            tip: try #require(Wei(exactly: first.maxPriorityFeePerGas.value * 105 / 100)),
                            maxFee: try #require(Wei(exactly: first.maxFeePerGas.value * 105 / 100)))
                        try await ground.produce(request)
                        if ceilingAllowsIt {
                            let taken = try await ground.request(request.id) { $0.status == .replaced }
                            #expect(taken.lifecycle.nonce == Nonce(1))
                            let pooled = try #require(try await chain.rpc.transaction(taken.lifecycle.latest.hash))
                            #expect(pooled.input == request.data && pooled.blockNumber == nil)
                            #expect(try await chain.rpc.transaction(intruder) == nil, "the node swapped our version in")
                        } else {
                            _ = try await eventually("the fee ceiling alert") {
                                logs.alerts.first { $0.message.contains("fees.maxFeePerGasGwei") && $0.metadata["request_id"] == "\(request.id)" }
                            }
                            let held = try #require(try await ground.store.request(request.id))
                            #expect(held.lifecycle.versions.count == 2, "one raise fits under the ceiling, the next does not")
                            #expect(try await chain.rpc.transaction(intruder)?.blockNumber == nil, "the other transaction still holds the nonce")
                        }
                        try await ground.chain.mine()
                        try await ground.chain.mine()
                        let stored = try await ground.request(request.id, timeout: .seconds(45)) { $0.status.isFinal }
                        return (stored, intruder)
                    }
                }
                let versions = stored.lifecycle.versions
                #expect(versions.allSatisfy { $0.fees.maxFeePerGas <= ceiling }, "\(versions.map(\.fees))")
                #expect(versions.first?.fees == first)
                for (lower, higher) in zip(versions, versions.dropFirst()) {
                    #expect(higher.kind == .replacement)
                    #expect(higher.fees.maxFeePerGas.value * 100 >= lower.fees.maxFeePerGas.value * 110)
                    #expect(higher.fees.maxPriorityFeePerGas.value * 100 >= lower.fees.maxPriorityFeePerGas.value * 110)
                }
                let attempts = try await ground.store.attempts(of: request.id)
                #expect(attempts.first?.outcome == .feesTooLow, "\(attempts.map(\.outcome))")
                #expect(!attempts.contains { $0.outcome == .accepted && $0.version < versions.count }, "no underpriced version was taken")
                try await withChainFacts(ground.chain) { chain throws in
                    let atNonce = try #require(try await chain.mined(from: Fixtures.sender).first { $0.nonce == Nonce(1) })
                    if ceilingAllowsIt {
                        #expect(stored.status == .confirmed)
                        #expect(versions.count == 3)
                        #expect(atNonce.hash == versions.last?.hash && stored.lifecycle.inclusion?.hash == atNonce.hash)
                        #expect(try await chain.rpc.transactionReceipt(intruder) == nil)
                    } else {
                        #expect(stored.status == .failed)
                        #expect(stored.lifecycle.reason?.contains("taken by another") == true, "\(stored.lifecycle.reason ?? "")")
                        #expect(versions.count == 2)
                        #expect(atNonce.hash == intruder)
                        #expect(try await chain.mined(carrying: request.data).isEmpty)
                    }
                }
            }
        }
    }
}
