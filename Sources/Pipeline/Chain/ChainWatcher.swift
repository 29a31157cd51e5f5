import ChainRPC
import EVMPrimitives
import Foundation
import Lifecycle
import Logging

/// Follows the chain block by block for every lane of this worker: one `eth_getBlockByNumber`
/// (hashes only) per block covers any number of tracked transactions; a receipt is fetched
/// only for the hashes found in it. It notices reorganisations by parent hashes and by
/// re-reading the block it last processed, finds the fork point within its window, and reports
/// every block above it as gone. It also reads the market fees once per new head.
///
/// ```swift
/// let watcher = ChainWatcher(rpc: rpc, observer: supervisor, settings: .init(window: 64), logger: logger)
/// try await watcher.run()   // until cancelled
/// ```
struct ChainWatcher: Sendable {
    struct Settings: Sendable {
        /// Blocks kept to find a fork point (the confirmation depth and a margin).
        var window: UInt64
        /// Pause between polls of the head.
        var pollInterval: Duration = .seconds(1)
        /// Most blocks processed per poll, so a long outage is caught up in steps.
        var maxBlocksPerPoll: UInt64 = 128
        /// Blocks fetched at once. At 25 s a call, 32 keep up with a block a second.
        var blocksInFlight: UInt64 = 32
        /// Used until the node has answered `eth_maxPriorityFeePerGas` once.
        var fallbackTip: Wei = .gwei(1)
    }

    let rpc: ChainRPCClient
    let observer: any ChainObserver
    let settings: Settings
    let logger: Logger

    func run() async {
        var window = ChainWindow(keep: settings.window)
        var market: MarketFees?
        while !Task.isCancelled {
            do throws(ChainRPCError) {
                market = try await poll(&window, market: market)
            } catch {
                logger.warning("cannot follow the chain this round; trying again", metadata: ["error": "\(error)"])
            }
            try? await Task.sleep(for: settings.pollInterval)
        }
    }

    /// One round: detect a reorganisation at the processed head, then process new blocks.
    private func poll(_ window: inout ChainWindow, market: MarketFees?) async throws(ChainRPCError) -> MarketFees? {
        let latest = try await rpc.blockNumber()
        var market = market
        if window.head == nil {
            // Start at the head: inclusions in older blocks are found by each lane's receipt
            // check when it starts.
            guard let first = try await header(latest) else { return market }
            window.append(first.header)
            market = await fees(after: first.block, market)
            await observer.head(latest, market: market)
            return market
        }
        try await detectReorganisation(&window)
        guard let head = window.head, latest > head else {
            if let head = window.head { await observer.head(head, market: market) }
            return market
        }
        let last = min(latest.value, head.value + settings.maxBlocksPerPoll)
        // The node is slow, not small: fetch the new blocks together, process them in order.
        let fetched = try await headers(from: head.value + 1, through: last)
        for number in (head.value + 1)...last {
            guard let block = fetched[number] else { break }
            let step = window.step(ChainWindow.Header(number: block.number, hash: block.hash, parentHash: block.parentHash))
            guard step == .extends else { break }  // the next round finds the fork
            window.append(ChainWindow.Header(number: block.number, hash: block.hash, parentHash: block.parentHash))
            await process(block)
            if number == last || number % 16 == 0 {
                market = await fees(after: block, market)
                await observer.head(block.number, market: market)
            }
        }
        if let head = window.head { await observer.head(head, market: market) }
        return market
    }

    /// The market after `block`: its base fee, and the node's suggested tip (kept when the node
    /// does not answer).
    private func fees(after block: Block, _ market: MarketFees?) async -> MarketFees? {
        guard let baseFee = block.baseFeePerGas else { return market }
        let tip = (try? await rpc.maxPriorityFeePerGas()) ?? market?.suggestedTip ?? settings.fallbackTip
        return MarketFees(baseFee: baseFee, suggestedTip: tip)
    }

    /// Blocks `first...last`, `blocksInFlight` at a time; a block the node does not have yet
    /// (or did not answer for) is missing from the result.
    private func headers(from first: UInt64, through last: UInt64) async throws(ChainRPCError) -> [UInt64: Block] {
        guard first <= last else { return [:] }
        let rpc = rpc, width = max(1, settings.blocksInFlight)
        let results = await withTaskGroup(of: (UInt64, Block?).self) { group in
            var next = first
            var blocks: [UInt64: Block] = [:]
            func add(_ number: UInt64, _ group: inout TaskGroup<(UInt64, Block?)>) {
                group.addTask { (number, try? await rpc.block(.number(BlockNumber(number)))) }
            }
            while next <= last && next < first + width {
                add(next, &group)
                next += 1
            }
            while let (number, block) = await group.next() {
                if let block { blocks[number] = block }
                if next <= last {
                    add(next, &group)
                    next += 1
                }
            }
            return blocks
        }
        return results
    }

    /// Re-reads the processed head; if the node has another block there, walks down the
    /// window to the highest block both agree on and reports everything above it as gone.
    private func detectReorganisation(_ window: inout ChainWindow) async throws(ChainRPCError) {
        guard let head = window.head else { return }
        guard let current = try await header(head), window.step(current.header) != .known else { return }
        var forkPoint: BlockNumber?
        var number = head.value
        let bottom = window.bottom?.value ?? head.value
        while number > bottom {
            number -= 1
            guard let candidate = try await header(BlockNumber(number)) else { break }
            if window.step(candidate.header) == .known {
                forkPoint = candidate.header.number
                break
            }
        }
        let point = forkPoint ?? BlockNumber(bottom > 0 ? bottom - 1 : 0)
        logger.warning(
            "chain reorganised: blocks above the fork point are no longer canonical",
            metadata: ["fork_point": "\(point)", "previous_head": "\(head)"])
        window.rewind(to: point)
        await observer.reorganised(above: point)
    }

    /// Reports the tracked transactions of a new canonical block, each with its receipt.
    private func process(_ block: Block) async {
        let ours = await observer.tracked(block.transactions)
        guard !ours.isEmpty else { return }
        await withTaskGroup(of: Inclusion?.self) { group in
            for hash in ours {
                group.addTask { [rpc] in
                    // A receipt from another block means the chain moved meanwhile; the next
                    // round sorts it out.
                    guard let receipt = try? await rpc.transactionReceipt(hash), receipt.blockHash == block.hash else { return nil }
                    return Inclusion(receipt)
                }
            }
            for await inclusion in group {
                if let inclusion { await observer.included(inclusion) }
            }
        }
    }

    private func header(_ number: BlockNumber) async throws(ChainRPCError) -> (header: ChainWindow.Header, block: Block)? {
        guard let block = try await rpc.block(.number(number)) else { return nil }
        return (ChainWindow.Header(number: block.number, hash: block.hash, parentHash: block.parentHash), block)
    }
}

extension Inclusion {
    /// The inclusion a receipt describes.
    init(_ receipt: TransactionReceipt) {
        self.init(
            hash: receipt.transactionHash, block: receipt.blockNumber, blockHash: receipt.blockHash,
            succeeded: receipt.status == .success, gasUsed: receipt.gasUsed, effectiveGasPrice: receipt.effectiveGasPrice)
    }
}
