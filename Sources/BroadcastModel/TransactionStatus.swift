/// Where a request is in its life.
///
/// ```
/// signed ──▶ broadcast
///   │  ▲
///   ▼  │
/// retrying ──▶ failed
/// ```
/// A request is stored `signed` (nonce assigned, bytes signed) before its first broadcast, so a
/// restart re-sends the same bytes instead of signing anew.
public enum TransactionStatus: String, Hashable, Sendable, Codable, CaseIterable {
    /// Nonce assigned and transaction signed; the first attempt has not finished.
    case signed
    /// An attempt failed in a way worth retrying; the next one is scheduled.
    case retrying
    /// The node accepted the transaction (or already knew it).
    case broadcast
    /// Retries are exhausted or the node refused it for good; an admin may retry it as a new request.
    case failed

    /// No further attempt will be made by the worker.
    public var isFinal: Bool { self == .broadcast || self == .failed }
}
