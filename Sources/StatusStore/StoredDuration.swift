import Foundation

/// Durations as the engines store and bind them: leases, claims and deadlines.
extension Duration {
    /// Whole milliseconds, rounded toward zero: the unit of every stored time.
    package var wholeMilliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }

    /// Seconds, for `Date` arithmetic and timeouts.
    package var timeInterval: TimeInterval {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
