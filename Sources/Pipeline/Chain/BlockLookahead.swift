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
