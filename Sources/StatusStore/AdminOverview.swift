import BroadcastModel
import EVMPrimitives
import Foundation

/// What the dashboard's overview reads besides the status counters, each through an index and
/// bounded by the unfinished work or by a time range, never by the number of stored requests.
public protocol AdminOverviewReads: Sendable {
    /// How many requests were stored at or after `since` (a range of the creation index).
    func storedSince(_ since: Date) async throws -> Int

    /// The oldest request not final yet: one index seek per unfinished status.
    func oldestUnfinished() async throws -> RequestSummary?

    /// Each sender's nonce lane: every sender that ever had a nonce assigned.
    func senderLanes() async throws -> [SenderLane]

    /// How many of the sender's nonces from `from` up to `below` a stored request holds (a
    /// range of the (sender, nonce) index): the lane's gaps are the others.
    func heldNonces(sender: Address, from: Nonce, below: Nonce) async throws -> Int

    /// The stored next offset of every partition consumed so far.
    func partitionOffsets() async throws -> [PartitionOffset]

    /// The partition each sender with unfinished work was consumed from (the owner of a
    /// partition is the lease owner of its senders).
    func unfinishedSendersByPartition() async throws -> [SenderPartition]
}

/// A sender's nonces as the store sees them.
public struct SenderLane: Hashable, Sendable {
    public var sender: Address
    /// The nonce intake gives its next request.
    public var nextNonce: Nonce
    /// Requests not final yet, and their lowest and highest nonce.
    public var unfinished: Int
    public var lowestUnfinishedNonce: Nonce?
    public var highestUnfinishedNonce: Nonce?
    /// When its oldest unfinished request was stored.
    public var oldestUnfinishedAt: Date?

    public init(
        sender: Address, nextNonce: Nonce, unfinished: Int, lowestUnfinishedNonce: Nonce?, highestUnfinishedNonce: Nonce?, oldestUnfinishedAt: Date?
    ) {
        self.sender = sender
        self.nextNonce = nextNonce
        self.unfinished = unfinished
        self.lowestUnfinishedNonce = lowestUnfinishedNonce
        self.highestUnfinishedNonce = highestUnfinishedNonce
        self.oldestUnfinishedAt = oldestUnfinishedAt
    }
}

public struct PartitionOffset: Hashable, Sendable {
    public var group: String
    public var topic: String
    public var partition: Int32
    public var nextOffset: Int64

    public init(group: String, topic: String, partition: Int32, nextOffset: Int64) {
        self.group = group
        self.topic = topic
        self.partition = partition
        self.nextOffset = nextOffset
    }
}

public struct SenderPartition: Hashable, Sendable {
    public var topic: String
    public var partition: Int32
    public var sender: Address

    public init(topic: String, partition: Int32, sender: Address) {
        self.topic = topic
        self.partition = partition
        self.sender = sender
    }
}
