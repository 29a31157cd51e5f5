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
    /// Issue 7, rules 1 and 2: a status is the chain's word. Blocks are mined on command here
    /// (`chain.mine()`), so the test decides how deep a transaction is.
    @Suite("Confirmations and reorganisations")
    struct ConfirmationTests {
        /// signed → submitted (the node holds it) → mined (in a block, with its receipt) →
        /// confirmed only once it is `tracking.confirmations` (3) deep, never before.
        @Test func aRequestIsConfirmedOnlyConfirmationsDeepWithItsReceipt() async throws {
            try await withGround(blockTime: 3600) { ground in
                let configuration = try ground.configuration { $0.tracking.confirmations = 3 }
                let request = Fixtures.request(weight: 1)
                let (stored, events) = try await whileWorkerRuns(configuration) {
                    try await watchingResults(ground.broker, for: request.id) {
                        try await withChainFacts(ground.chain) { chain throws in
                            try await ground.produce(request)
                            let submitted = try await ground.request(request.id) { $0.status == .submitted }
                            let hash = submitted.lifecycle.original.hash
                            let pooled = try #require(try await chain.rpc.transaction(hash), "submitted, but the node does not hold it")
                            #expect(pooled.blockNumber == nil)

                            let block = try #require(try await ground.chain.mine().first)
                            #expect(block.transactionCount == 1)
                            let mined = try await ground.request(request.id) { $0.status == .mined }
                            #expect(mined.lifecycle.inclusion?.block == block.number)
                            #expect(mined.lifecycle.inclusion?.blockHash == block.hash)

                            // Two deep of three: still mined, however long the worker looks at it.
                            let second = try #require(try await ground.chain.mine().first)
                            try await waitForTheWorkerToSee(second.number, in: ground.store)
                            try await Task.sleep(for: .seconds(1))
                            #expect(try await ground.store.request(request.id)?.status == .mined)

                            let third = try #require(try await ground.chain.mine().first)
                            let confirmed = try await ground.request(request.id) { $0.status.isFinal }
                            #expect(confirmed.status == .confirmed)
                            #expect(try await ground.store.chainHead() == third.number)

                            let receipt = try await chain.receipt(hash)
                            let inclusion = try #require(confirmed.lifecycle.inclusion)
                            #expect(receipt.status == .success && inclusion.succeeded)
                            #expect(inclusion.hash == receipt.transactionHash)
                            #expect(inclusion.block == receipt.blockNumber && inclusion.blockHash == receipt.blockHash)
                            #expect(inclusion.gasUsed == receipt.gasUsed)
                            #expect(inclusion.effectiveGasPrice == receipt.effectiveGasPrice)
                            #expect(receipt.blockNumber.depth(under: third.number) == 3)
                            return confirmed
                        }
                    }
                }
                #expect(events.map(\.status) == [.signed, .submitted, .mined, .confirmed])
                #expect(events.map(\.sequence) == [1, 2, 3, 4])
                #expect(events.last?.receipt == stored.lifecycle.receiptSummary)
            }
        }

        /// The last block is reorganised away while the request is mined but not yet final:
        /// it goes back to submitted, is sent again (the node forgot it, or re-pooled it), and
        /// is confirmed in the new chain, in a block with another hash, mined once.
        @Test(arguments: [true, false])
        func aReorganisedRequestGoesBackAndIsConfirmedInTheNewChain(dropTransactions: Bool) async throws {
            try await withGround(blockTime: 3600) { ground in
                let configuration = try ground.configuration { $0.tracking.confirmations = 3 }
                let request = Fixtures.request(weight: dropTransactions ? 2 : 3)
                let (stored, events) = try await whileWorkerRuns(configuration) {
                    try await watchingResults(ground.broker, for: request.id) {
                        try await withChainFacts(ground.chain) { chain throws in
                            try await ground.produce(request)
                            let hash = try await ground.request(request.id) { $0.status == .submitted }.lifecycle.original.hash
                            let first = try #require(try await ground.chain.mine().first)
                            _ = try await ground.request(request.id) { $0.lifecycle.inclusion?.blockHash == first.hash }

                            let reorg = try await ground.chain.reorg(depth: 1, dropTransactions: dropTransactions)
                            #expect((dropTransactions ? reorg.forgotten : reorg.reinjected) == [hash])
                            #expect(try await chain.rpc.transactionReceipt(hash) == nil)
                            let back = try await ground.request(request.id) { $0.status == .submitted }
                            #expect(back.lifecycle.inclusion == nil)
                            // Sent again: the node holds it unmined (it had forgotten it, or
                            // took it back into its pool and was told again).
                            let pooled = try await eventually("the node to hold the request again") {
                                try await chain.rpc.transaction(hash).flatMap { $0.blockNumber == nil ? $0 : nil }
                            }
                            #expect(pooled.hash == hash)
                            _ = try await eventually("the request sent again after the reorganisation") {
                                try await ground.store.attempts(of: request.id).count >= 2 ? true : nil
                            }

                            let again = try #require(try await ground.chain.mine().first)
                            #expect(again.number.value == reorg.newHead.number.value + 1)
                            #expect(again.hash != first.hash)
                            _ = try await ground.request(request.id) { $0.lifecycle.inclusion?.blockHash == again.hash }
                            try await ground.chain.mine(blocks: 2)
                            let confirmed = try await ground.request(request.id) { $0.status.isFinal }
                            #expect(confirmed.status == .confirmed)
                            let receipt = try await chain.receipt(hash)
                            #expect(receipt.blockHash == again.hash)
                            #expect(confirmed.lifecycle.inclusion?.blockHash == again.hash)
                            #expect(confirmed.lifecycle.inclusion?.block == receipt.blockNumber)
                            #expect(try await chain.mined(carrying: request.data).map(\.hash) == [hash])
                            #expect(try await chain.minedCount(of: Fixtures.sender) == Nonce(1))
                            return confirmed
                        }
                    }
                }
                #expect(stored.lifecycle.versions.count == 1, "the same bytes again, not a new version")
                #expect(events.map(\.status) == [.signed, .submitted, .mined, .submitted, .mined, .confirmed])
            }
        }
    }
}

/// Waits until the worker's chain watcher has processed `head` (it records it in the store).
func waitForTheWorkerToSee(_ head: BlockNumber, in store: SQLiteStatusStore) async throws {
    _ = try await eventually("the worker to process block \(head)") {
        try await store.chainHead().flatMap { $0 >= head ? true : nil }
    }
}
