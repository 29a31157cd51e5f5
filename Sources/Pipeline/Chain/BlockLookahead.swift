/// How many blocks above the processed head the watcher asks for in a round, without asking
/// the head's number first: at 20-30 s a call, `eth_blockNumber` before the blocks made every
/// round one call longer. A number the node has no block for yet answers null, so the span
/// only has to cover what the chain makes in a round: twice what the last round found, so a
/// chain that speeds up is caught, doubled while every block asked existed (catching up after
/// an outage), never fewer than `minimum` or more than `maximum`.
///
/// A pure value:
///
/// ```swift
/// var lookahead = BlockLookahead(minimum: 4, maximum: 128)
/// lookahead.span                      // 4
/// lookahead.found(4)                  // all there: 8, and the round goes on at once
/// lookahead.found(3)                  // 3 of 8: 6
/// ```
struct BlockLookahead: Hashable, Sendable {
    let minimum: UInt64
    let maximum: UInt64
    /// The blocks above the head asked for next round.
    private(set) var span: UInt64

    init(minimum: UInt64, maximum: UInt64) {
        self.minimum = max(1, minimum)
        self.maximum = max(self.minimum, maximum)
        self.span = self.minimum
    }

    /// The span a wave sent now should ask for: enough to reach the block the chain is
    /// expected to have made by the time the wave is answered (a node answers with the chain
    /// as it is then), that is `ahead` (the time since the last answer plus a round) at
    /// `pace`, with a quarter more for jitter; never less than `span`, never more than
    /// `maximum`. The last answer, not the head's timestamp: a chain that makes no blocks
    /// (mined on demand, or stalled) would otherwise be asked for `maximum` blocks a wave.
    /// Waves in flight together start at the same processed head: without this each would ask
    /// for the same `span` blocks, and behind a 25 s node the chain outgrew them, so only one
    /// wave a round found anything new.
    func span(reaching ahead: Duration, pace: ChainPace) -> UInt64 {
        guard let interval = pace.blockInterval, interval > .zero, ahead > .zero else { return span }
        let blocks = (ahead / interval) * 1.25
        guard blocks.isFinite, blocks < Double(maximum) else { return maximum }
        return min(maximum, max(span, UInt64(blocks.rounded(.up)) + 1))
    }

    /// Takes what a round found: `count` consecutive new blocks of the `span` asked. True when
    /// every block asked was there, so more may be waiting and the next round should not wait.
    @discardableResult
    mutating func found(_ count: UInt64) -> Bool {
        let all = count >= span
        let (doubled, overflow) = (all ? span : count).multipliedReportingOverflow(by: 2)
        span = min(maximum, max(minimum, overflow ? maximum : doubled))
        return all
    }
}

/// How fast the chain makes blocks, from the timestamps of the blocks the watcher processed:
/// the time between blocks, smoothed over extensions of the head. Unknown until two blocks
/// with different timestamps were seen (a chain mined on demand never has a pace).
///
/// ```swift
/// var pace = ChainPace()
/// pace.extended(from: (number: 10, timestamp: 1_000), to: (number: 20, timestamp: 1_012))
/// pace.blockInterval   // 1.2 s
/// ```
struct ChainPace: Hashable, Sendable {
    private(set) var blockInterval: Duration?

    /// The head moved from one processed block to a later one.
    mutating func extended(from old: (number: UInt64, timestamp: UInt64), to new: (number: UInt64, timestamp: UInt64)) {
        guard new.number > old.number, new.timestamp > old.timestamp else { return }
        let seconds = Double(new.timestamp - old.timestamp) / Double(new.number - old.number)
        let measured = Duration.milliseconds(Int64((seconds * 1000).rounded()))
        guard let known = blockInterval else {
            blockInterval = measured
            return
        }
        // Timestamps have whole seconds: one extension of a few fast blocks says little.
        blockInterval = known * 0.75 + measured * 0.25
    }
}
