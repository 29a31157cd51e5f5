import EVMPrimitives

/// Pending counts of senders read before their lanes start, so that a start does not wait for
/// its own `eth_getTransactionCount` (20-30 s at the mission's node): intake cannot store a
/// batch naming a sender before the sender's lane has started, so every new sender in a batch
/// held the batch that long.
///
/// A count read ahead is as good as one read at the start: a lane sets its next nonce to the
/// higher of the chain's count and one past the highest nonce the store holds, so nonces sent
/// since the read (by an earlier owner, all of them in the store) are never handed out again.
/// A count older than `freshFor` is not used; each is used once.
///
/// A pure value with the clock passed in:
///
/// ```swift
/// var ahead = NonceReadAhead(freshFor: .seconds(60))
/// ahead.record(Nonce(7), for: sender, askedAt: now)
/// ahead.take(sender, now: now + .seconds(30))   // Nonce(7); nil after that
/// ```
struct NonceReadAhead: Sendable {
    let freshFor: Duration
    private var counts: [Address: (nonce: Nonce, askedAt: ContinuousClock.Instant)] = [:]

    init(freshFor: Duration) {
        self.freshFor = freshFor
    }

    /// The count the node answered to a call made at `askedAt`.
    mutating func record(_ nonce: Nonce, for sender: Address, askedAt: ContinuousClock.Instant) {
        if let known = counts[sender], known.askedAt > askedAt { return }
        counts[sender] = (nonce, askedAt)
    }

    /// The sender's count if it is fresh at `now`; it is used up either way.
    mutating func take(_ sender: Address, now: ContinuousClock.Instant) -> Nonce? {
        guard let known = counts.removeValue(forKey: sender), now - known.askedAt <= freshFor else { return nil }
        return known.nonce
    }
}
