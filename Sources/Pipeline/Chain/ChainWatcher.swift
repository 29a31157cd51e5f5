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
        /// Blocks fetched at once. More than a round's blocks (and the head re-read), so a round
        /// fetches them in one wave: at 25 s a call a round takes about 75 s, 75 blocks at a
        /// block a second.
        var blocksInFlight: Int = 256
        /// Receipts fetched at once. The watcher's calls are not counted in `worker.maxInFlight`,
        /// so this keeps a round with many tracked transactions from opening a connection each.
        var receiptsInFlight: Int = 1024
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
    ///
    /// At 20-30 s a call the round's length is its number of sequential calls, so it makes as
    /// few as it can: the head's number, then one wave that re-reads the processed head (the
    /// reorganisation check), fetches every new block and asks the node's tip, then one wave of
    /// receipts for the tracked hashes of all those blocks.
    private func poll(_ window: inout ChainWindow, market: MarketFees?) async throws(ChainRPCError) -> MarketFees? {
        let latest = try await rpc.blockNumber()
        var market = market
        if window.head == nil {
            // Start at the head: inclusions in older blocks are found by each lane's receipt
            // check when it starts.
            guard let first = try await header(latest) else { return market }
            window.append(first.header)
            market = fees(after: first.block, tip: await tip(market)) ?? market
            await observer.head(latest, market: market)
            return market
        }
        guard let head = window.head else { return market }
        let last = latest > head ? head.value + min(settings.maxBlocksPerPoll, latest.value - head.value) : head.value
        // The node is slow, not small: fetch the new blocks together, with the processed head again.
        let rpc = rpc
        async let asked: Wei? = last > head.value ? (try? await rpc.maxPriorityFeePerGas()) : nil
        let fetched = await headers(from: head.value, through: last)
        let suggested = await asked
        guard let current = fetched[head.value], window.step(Self.header(of: current)) == .known else {
            // Not the block processed last (or no answer for it): find out how far the chain
            // changed; the blocks above the fork point are fetched again next round.
            try await detectReorganisation(&window)
            if let head = window.head { await observer.head(head, market: market) }
            return market
        }
        var extending: [Block] = []
        var scratch = window
        var number = head.value
        while number < last {
            number += 1
            guard let block = fetched[number] else { break }
            guard scratch.step(Self.header(of: block)) == .extends else { break }  // the next round finds the fork
            scratch.append(Self.header(of: block))
            extending.append(block)
        }
        let inclusions = await receipts(in: extending)
        let tip = suggested ?? market?.suggestedTip ?? settings.fallbackTip
        for block in extending {
            window.append(Self.header(of: block))
            for inclusion in inclusions[block.number] ?? [] { await observer.included(inclusion) }
            if block.number == extending.last?.number || block.number.value % 16 == 0 {
                market = fees(after: block, tip: tip) ?? market
                await observer.head(block.number, market: market)
            }
        }
        if let head = window.head { await observer.head(head, market: market) }
        return market
    }

    /// The node's suggested tip, or the last one known when it does not answer.
    private func tip(_ market: MarketFees?) async -> Wei {
        (try? await rpc.maxPriorityFeePerGas()) ?? market?.suggestedTip ?? settings.fallbackTip
    }

    /// The market after `block`: its base fee and `tip`; nil before London.
    private func fees(after block: Block, tip: Wei) -> MarketFees? {
        block.baseFeePerGas.map { MarketFees(baseFee: $0, suggestedTip: tip) }
    }

    /// Blocks `first...last`, `blocksInFlight` at a time; a block the node does not have yet
    /// (or did not answer for) is missing from the result.
    private func headers(from first: UInt64, through last: UInt64) async -> [UInt64: Block] {
        guard first <= last else { return [:] }
        let rpc = rpc
        return await Self.gather(Array(first...last), width: settings.blocksInFlight) { number in
            try? await rpc.block(.number(BlockNumber(number)))
        }
    }

    /// `fetch` of every key, at most `width` in flight at once; keys answered nil are left out.
    private static func gather<Key: Hashable & Sendable, Value: Sendable>(
        _ keys: [Key], width: Int, _ fetch: @escaping @Sendable (Key) async -> Value?
    ) async -> [Key: Value] {
        await withTaskGroup(of: (Key, Value?).self) { group in
            var pending = keys.makeIterator()
            for _ in 0..<max(1, width) {
                guard let key = pending.next() else { break }
                group.addTask { (key, await fetch(key)) }
            }
            var answers: [Key: Value] = [:]
            while let (key, value) = await group.next() {
                if let value { answers[key] = value }
                if let key = pending.next() { group.addTask { (key, await fetch(key)) } }
            }
            return answers
        }
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

    /// The receipts of the tracked transactions of `blocks`, `receiptsInFlight` at a time, by
    /// block; a receipt from another block means the chain moved meanwhile (the next round
    /// sorts it out).
    private func receipts(in blocks: [Block]) async -> [BlockNumber: [Inclusion]] {
        var wanted: [(hash: TxHash, block: BlockHash)] = []
        for block in blocks {
            for hash in await observer.tracked(block.transactions) { wanted.append((hash, block.hash)) }
        }
        guard !wanted.isEmpty else { return [:] }
        let rpc = rpc, asked = wanted
        let answers = await Self.gather(Array(asked.indices), width: settings.receiptsInFlight) { (index: Int) -> Inclusion? in
            guard let receipt = try? await rpc.transactionReceipt(asked[index].hash), receipt.blockHash == asked[index].block else { return nil }
            return Inclusion(receipt)
        }
        var found: [BlockNumber: [Inclusion]] = [:]
        for index in asked.indices {
            if let inclusion = answers[index] { found[inclusion.block, default: []].append(inclusion) }
        }
        return found
    }

    private static func header(of block: Block) -> ChainWindow.Header {
        ChainWindow.Header(number: block.number, hash: block.hash, parentHash: block.parentHash)
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
