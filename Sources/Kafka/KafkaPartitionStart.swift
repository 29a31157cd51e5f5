/// The offsets a partition's log holds now: `low` is the oldest message still stored, `high` the
/// offset the next message will get (so the log holds `low..<high`).
public struct KafkaWatermarks: Sendable, Hashable, CustomStringConvertible {
    public var low: Int64
    public var high: Int64

    public init(low: Int64, high: Int64) {
        self.low = low
        self.high = high
    }

    /// Offsets a broker can really report (librdkafka uses negative values for "unknown").
    var isValid: Bool { low >= 0 && high >= low }

    public var description: String { "\(low)..<\(high)" }
}

/// Where a reader starts a partition, and what its stored position says about the log: the one
/// decision behind "a broker that comes back".
///
/// A stored offset is the next message this group meant to read. Compared with the log's
/// watermarks it tells whether the log is still the one the group read:
///
/// | stored offset | verdict | start |
/// |---|---|---|
/// | none | `fresh` | the beginning of the log |
/// | `low...high` | `resumed` | the stored offset |
/// | above `high` | `logReset`: the broker lost or recreated the topic (Tansu forgets everything on restart) | `low` |
/// | below `low` | `retentionLoss`: messages the group never read were deleted | `low` |
/// | watermarks unknown | `unchecked` | the stored offset |
///
/// Starting again at `low` after a reset re-reads messages the group may have handled before the
/// reset only if the log kept them, and a reader that skips ids it already holds (the workers
/// dedupe by request id) handles each request once either way.
///
/// ```swift
/// let start = KafkaPartitionStart.decide(stored: 104, watermarks: KafkaWatermarks(low: 0, high: 7))
/// // start.offset == 0, start.verdict == .logReset
/// ```
public struct KafkaPartitionStart: Sendable, Hashable {
    public enum Verdict: String, Sendable, Hashable, CaseIterable {
        /// Nothing was stored for the partition.
        case fresh
        /// The stored offset lies within the log.
        case resumed
        /// The stored offset lies beyond the end of the log: the log is not the one the group read.
        case logReset
        /// The stored offset lies before the oldest message: retention deleted messages the
        /// group never read, and they are lost to it.
        case retentionLoss
        /// The watermarks could not be read; the stored offset is used unchecked.
        case unchecked

        /// Whether the reader starts somewhere else than the stored offset because of the log.
        public var movesStart: Bool { self == .logReset || self == .retentionLoss }
    }

    /// The first offset to read; nil means the beginning of the log, whatever its offset.
    public var offset: Int64?
    public var verdict: Verdict

    public init(offset: Int64?, verdict: Verdict) {
        self.offset = offset
        self.verdict = verdict
    }

    /// Decides where to start from the stored offset (nil: none; a negative one is not a
    /// position and counts as none) and the log's watermarks (nil or invalid: unknown).
    public static func decide(stored: Int64?, watermarks: KafkaWatermarks?) -> KafkaPartitionStart {
        guard let stored, stored >= 0 else { return KafkaPartitionStart(offset: nil, verdict: .fresh) }
        guard let watermarks, watermarks.isValid else { return KafkaPartitionStart(offset: stored, verdict: .unchecked) }
        if stored > watermarks.high { return KafkaPartitionStart(offset: watermarks.low, verdict: .logReset) }
        if stored < watermarks.low { return KafkaPartitionStart(offset: watermarks.low, verdict: .retentionLoss) }
        return KafkaPartitionStart(offset: stored, verdict: .resumed)
    }
}
