import ChainRPC
import EVMPrimitives
import Foundation
import Lifecycle
import Logging

/// Follows the chain block by block for every lane of this worker: one `eth_getBlockByNumber`
/// (hashes only) per block covers any number of tracked transactions, and one
/// `eth_getBlockReceipts` per block their receipts (a node without it is asked each tracked
/// hash's receipt instead). It notices reorganisations by parent hashes and by re-reading the
/// block it last processed, finds the fork point within its window, and reports every block
/// above it as gone. It also reads the market fees with each wave of calls.
///
/// ```swift
/// let watcher = ChainWatcher(rpc: rpc, observer: supervisor, settings: .init(window: 64), logger: logger)
/// try await watcher.run()   // until cancelled
/// ```
struct ChainWatcher: Sendable {
    struct Settings: Sendable {
        /// Blocks kept to find a fork point (the confirmation depth and a margin).
        var window: UInt64
        /// The shortest time between two waves (a wave that found every block it asked for
        /// is followed by the next at once).
        var pollInterval: Duration = .seconds(1)
        /// Waves in flight at once, spread over a round (see ``follow(_:)``).
        var wavesInFlight: Int = 4
        /// Fewest and most blocks above the processed head asked for in a wave (see
        /// ``BlockLookahead``), so a long outage is caught up in steps.
        var minBlocksPerPoll: UInt64 = 4
        var maxBlocksPerPoll: UInt64 = 128
        /// Blocks (and their receipts) fetched at once by a wave: more than it asks for, so
        /// they go out together.
        var blocksInFlight: Int = 256
        /// Receipts fetched at once one by one (a node without `eth_getBlockReceipts`, or a
        /// block whose receipts did not come). The watcher's calls are not counted in
        /// `worker.maxInFlight`, so this keeps a round with many tracked transactions from
        /// opening a connection each.
        var receiptsInFlight: Int = 1024
        /// Used until the node has answered `eth_maxPriorityFeePerGas` once.
        var fallbackTip: Wei = .gwei(1)
    }

    /// What carries over from one round to the next.
    private struct Progress {
        var window: ChainWindow
        var market: MarketFees?
        var lookahead: BlockLookahead
        var pace = ChainPace()
        /// The processed head's number and timestamp, for the chain's pace.
        var headBlock: (number: UInt64, timestamp: UInt64)?
        /// False once the node said it has no `eth_getBlockReceipts`.
        var blockReceipts = true
    }

    let rpc: ChainRPCClient
    let observer: any ChainObserver
    let settings: Settings
    let logger: Logger

    func run() async {
        var progress = Progress(
            window: ChainWindow(keep: settings.window),
            lookahead: BlockLookahead(minimum: settings.minBlocksPerPoll, maximum: settings.maxBlocksPerPoll))
        while !Task.isCancelled {
            do throws(ChainRPCError) {
                try await readHead(&progress)
            } catch {
                logger.warning("cannot read the chain's head; trying again", metadata: ["error": "\(error)"])
            }
            if progress.window.head == nil {
                try? await Task.sleep(for: settings.pollInterval)
            } else {
                await follow(&progress)
            }
        }
    }

    /// The first round: the head and the tip in one wave (intake signs nothing before the
    /// watcher has the market's fees). Inclusions in older blocks are found by each lane's
    /// receipt check when it starts.
    private func readHead(_ progress: inout Progress) async throws(ChainRPCError) {
        let rpc = rpc
        async let asked: Wei? = try? await rpc.maxPriorityFeePerGas()
        guard let first = try await rpc.block(.latest) else { return }
        let suggested = await asked
        progress.window.append(Self.header(of: first))
        progress.headBlock = (first.number.value, first.timestamp)
        progress.market = fees(after: first, tip: suggested ?? progress.market?.suggestedTip ?? settings.fallbackTip) ?? progress.market
        await observer.head(first.number, canonical: progress.window.canonical, market: progress.market)
    }

    /// What one wave asked for and what came back.
    private struct Wave: Sendable {
        /// The processed head when the wave was sent, and the highest block it asked for.
        let base: UInt64
        let last: UInt64
        let sent: ContinuousClock.Instant
        let blocks: [UInt64: Block]
        let receipts: [UInt64: [TransactionReceipt]]
        let receiptsUnsupported: Bool
        let suggestedTip: Wei?
    }

    private enum Event: Sendable {
        case due
        case answered(Wave)
    }

    /// Follows the chain from a known head in waves (``wave(from:span:askReceipts:)``) until
    /// cancelled or a reorganisation deeper than the window leaves no head.
    ///
    /// At 20-30 s a call, a block mined just after a wave was sent waits for the next wave's
    /// answer: waves one after another made that a round and a half on average. So up to
    /// `wavesInFlight` are in flight at once, sent a round's length / `wavesInFlight` apart
    /// (never more often than `pollInterval`), and each is taken as it comes back, whatever
    /// the order. A wave that found every block it asked for is followed by the next at once.
    private func follow(_ progress: inout Progress) async {
        let clock = ContinuousClock()
        let interval = settings.pollInterval
        await withTaskGroup(of: Event.self) { group in
            var inFlight = 0
            var lastSent: ContinuousClock.Instant?
            var lastAnswered: ContinuousClock.Instant?
            var roundLength = Duration.zero
            func send(_ group: inout TaskGroup<Event>, from progress: Progress) {
                guard let head = progress.window.head, !Task.isCancelled else { return }
                // The node answers with the chain as it is then: the blocks made since the
                // last answer and during this wave's own round.
                let sinceAnswer = lastAnswered.map { clock.now - $0 } ?? .zero
                let span = progress.lookahead.span(reaching: sinceAnswer + roundLength, pace: progress.pace)
                let askReceipts = progress.blockReceipts
                inFlight += 1
                lastSent = clock.now
                group.addTask { .answered(await wave(from: head.value, span: span, askReceipts: askReceipts)) }
            }
            send(&group, from: progress)
            group.addTask { try? await Task.sleep(for: interval); return .due }
            while let event = await group.next() {
                guard !Task.isCancelled else { continue }
                switch event {
                case .due:
                    let spacing = max(interval, roundLength / max(1, settings.wavesInFlight))
                    if inFlight < settings.wavesInFlight, lastSent.map({ clock.now - $0 >= spacing }) ?? true {
                        send(&group, from: progress)
                    }
                    group.addTask { try? await Task.sleep(for: interval); return .due }
                case .answered(let wave):
                    inFlight -= 1
                    roundLength = clock.now - wave.sent
                    lastAnswered = clock.now
                    var more = false
                    do throws(ChainRPCError) {
                        more = try await absorb(wave, into: &progress)
                    } catch {
                        logger.warning("cannot follow the chain this round; trying again", metadata: ["error": "\(error)"])
                    }
                    if progress.window.head == nil {
                        group.cancelAll()
                        return
                    }
                    if more, inFlight < settings.wavesInFlight { send(&group, from: progress) }
                }
            }
        }
    }

    /// One wave: the processed head re-read (the reorganisation check), the `span` blocks
    /// above it and their receipts (``BlockLookahead``: the head's number is not asked first)
    /// and the node's tip, all at once.
    private func wave(from base: UInt64, span: UInt64, askReceipts: Bool) async -> Wave {
        let sent = ContinuousClock.now
        let (last, overflow) = base.addingReportingOverflow(span)
        guard !overflow else {
            return Wave(base: base, last: base, sent: sent, blocks: [:], receipts: [:], receiptsUnsupported: false, suggestedTip: nil)
        }
        let rpc = rpc
        async let asked: Wei? = try? await rpc.maxPriorityFeePerGas()
        async let receiptLists = askReceipts ? blockReceipts(from: base + 1, through: last) : ([:], false)
        let blocks = await headers(from: base, through: last)
        let (receipts, unsupported) = await receiptLists
        return Wave(
            base: base, last: last, sent: sent, blocks: blocks, receipts: receipts, receiptsUnsupported: unsupported,
            suggestedTip: await asked)
    }

    /// Takes a wave's answers: checks the block it shares with the processed chain, then
    /// processes the blocks above the processed head. A wave sent before others that came
    /// back first may reach no higher than what they brought; it is still checked against the
    /// window. True when every block asked for was there (the chain may be further).
    private func absorb(_ wave: Wave, into progress: inout Progress) async throws(ChainRPCError) -> Bool {
        if wave.receiptsUnsupported, progress.blockReceipts {
            progress.blockReceipts = false
            logger.notice("the node has no eth_getBlockReceipts; receipts are asked one tracked transaction at a time")
        }
        // How far the node had blocks above the wave's base, for the next wave's span.
        var reach: UInt64 = 0
        while wave.base + reach < wave.last, wave.blocks[wave.base + reach + 1] != nil { reach += 1 }
        let more = progress.lookahead.found(reach)
        // A reorganisation processed since the wave was sent lowered the head below its base.
        guard let head = progress.window.head, head.value >= wave.base else { return false }
        let shared = min(head.value, wave.last)
        guard let block = wave.blocks[shared] else {
            // No answer for the processed head itself: find out whether it is still there.
            if shared == head.value { try await recheck(&progress) }
            return false
        }
        guard progress.window.step(Self.header(of: block)) == .known else {
            // Not the block processed there: find out how far the chain changed; the blocks
            // above the fork point are fetched again by the next waves.
            try await recheck(&progress)
            return false
        }
        guard shared == head.value else { return more }
        var extending: [Block] = []
        var scratch = progress.window
        var number = head.value
        while number < wave.last {
            number += 1
            guard let block = wave.blocks[number] else { break }
            guard scratch.step(Self.header(of: block)) == .extends else { break }  // the next wave finds the fork
            // A node may answer a wave's calls at different moments: a block whose receipts
            // came back null was mined in between. It waits for the next wave, which asks for
            // both again, rather than for a second wave of receipts one by one; only the
            // wave's first new block is never put off, so a node that never gives its
            // receipts is still followed.
            if progress.blockReceipts, !extending.isEmpty, wave.receipts[number] == nil { break }
            scratch.append(Self.header(of: block))
            extending.append(block)
        }
        let inclusions = await inclusions(in: extending, receipts: wave.receipts)
        let tip = wave.suggestedTip ?? progress.market?.suggestedTip ?? settings.fallbackTip
        for block in extending {
            progress.window.append(Self.header(of: block))
            for inclusion in inclusions[block.number] ?? [] { await observer.included(inclusion) }
            if block.number == extending.last?.number || block.number.value % 16 == 0 {
                progress.market = fees(after: block, tip: tip) ?? progress.market
                await observer.head(block.number, canonical: progress.window.canonical, market: progress.market)
            }
        }
        if let top = extending.last {
            let reached = (number: top.number.value, timestamp: top.timestamp)
            if let old = progress.headBlock { progress.pace.extended(from: old, to: reached) }
            progress.headBlock = reached
        }
        if extending.isEmpty, let head = progress.window.head {
            await observer.head(head, canonical: progress.window.canonical, market: progress.market)
        }
        return more
    }

    /// Re-reads the processed head and, where the chain changed, tells the observer.
    private func recheck(_ progress: inout Progress) async throws(ChainRPCError) {
        let before = progress.window.head
        try await detectReorganisation(&progress.window)
        // A rewound head's timestamp is not at hand: the pace waits for the next extension.
        if progress.window.head != before { progress.headBlock = nil }
        if let head = progress.window.head { await observer.head(head, canonical: progress.window.canonical, market: progress.market) }
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

    /// Every receipt of blocks `first...last` by number, `blocksInFlight` at a time; a block
    /// the node has not (or did not answer for) is missing. True as well when the node said it
    /// has no such method.
    private func blockReceipts(from first: UInt64, through last: UInt64) async -> (receipts: [UInt64: [TransactionReceipt]], unsupported: Bool) {
        guard first <= last else { return ([:], false) }
        let rpc = rpc
        let answers = await Self.gather(Array(first...last), width: settings.blocksInFlight) { number -> Result<[TransactionReceipt], ChainRPCError>? in
            do throws(ChainRPCError) {
                return try await rpc.blockReceipts(.number(BlockNumber(number))).map { .success($0) }
            } catch {
                return .failure(error)
            }
        }
        var receipts: [UInt64: [TransactionReceipt]] = [:]
        var unsupported = false
        for (number, answer) in answers {
            switch answer {
            case .success(let list): receipts[number] = list
            case .failure(let error): if Self.isMissingMethod(error) { unsupported = true }
            }
        }
        return (receipts, unsupported)
    }

    /// The node does not serve the method (JSON-RPC's "method not found", or a provider's
    /// words for it).
    private static func isMissingMethod(_ error: ChainRPCError) -> Bool {
        guard case .rpcError(let code, let message, _) = error.failure else { return false }
        let text = message.lowercased()
        let refusals = ["not supported", "unsupported", "does not exist", "not found"]
        return code == -32601 || (text.contains("method") && refusals.contains { text.contains($0) })
    }

    /// The inclusions of the tracked transactions of `blocks`, by block: from the block's own
    /// receipts where they came (and name that block), otherwise asked one by one,
    /// `receiptsInFlight` at a time. A receipt from another block means the chain moved
    /// meanwhile (the next round sorts it out).
    private func inclusions(in blocks: [Block], receipts byBlock: [UInt64: [TransactionReceipt]]) async -> [BlockNumber: [Inclusion]] {
        var found: [BlockNumber: [Inclusion]] = [:]
        var wanted: [(hash: TxHash, block: BlockHash)] = []
        for block in blocks {
            let tracked = await observer.tracked(block.transactions)
            guard !tracked.isEmpty else { continue }
            var listed: [TxHash: TransactionReceipt] = [:]
            for receipt in byBlock[block.number.value] ?? [] where receipt.blockHash == block.hash {
                listed[receipt.transactionHash] = receipt
            }
            for hash in tracked {
                if let receipt = listed[hash] {
                    found[block.number, default: []].append(Inclusion(receipt))
                } else {
                    wanted.append((hash, block.hash))
                }
            }
        }
        guard !wanted.isEmpty else { return found }
        let rpc = rpc, asked = wanted
        let answers = await Self.gather(Array(asked.indices), width: settings.receiptsInFlight) { (index: Int) -> Inclusion? in
            guard let receipt = try? await rpc.transactionReceipt(asked[index].hash), receipt.blockHash == asked[index].block else { return nil }
            return Inclusion(receipt)
        }
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
