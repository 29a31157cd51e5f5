import BroadcastModel
import EVMPrimitives
import Foundation
import Lifecycle

/// A stored request: what the caller asked for, and its life so far.
public struct StoredRequest: Hashable, Sendable {
    public var request: BroadcastRequest
    public var lifecycle: LifecycleState
    /// Status changes so far; the sequence of the last event in the outbox.
    public var sequence: Int
    public var createdAt: Date
    public var updatedAt: Date
    /// The topic and partition it was consumed from (nil for requests stored before that was kept).
    public var sourceTopic: String?
    public var sourcePartition: Int32?

    public init(
        request: BroadcastRequest, lifecycle: LifecycleState, sequence: Int, createdAt: Date, updatedAt: Date,
        sourceTopic: String? = nil, sourcePartition: Int32? = nil
    ) {
        self.request = request
        self.lifecycle = lifecycle
        self.sequence = sequence
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.sourceTopic = sourceTopic
        self.sourcePartition = sourcePartition
    }

    public var id: RequestID { request.id }
    public var status: TransactionStatus { lifecycle.status }
}

/// One consumed message: the request it carried (nil if it carried none that can be used)
/// and where it came from.
public struct ConsumedMessage: Hashable, Sendable {
    public var request: BroadcastRequest?
    public var position: ConsumedPosition

    public init(request: BroadcastRequest?, position: ConsumedPosition) {
        self.request = request
        self.position = position
    }
}

/// The consumer group, topic, partition and offset of one consumed message.
public struct ConsumedPosition: Hashable, Sendable {
    public var group: String
    public var topic: String
    public var partition: Int32
    public var offset: Int64

    public init(group: String, topic: String, partition: Int32, offset: Int64) {
        self.group = group
        self.topic = topic
        self.partition = partition
        self.offset = offset
    }
}

public enum IntakeResult: Hashable, Sendable {
    /// Stored now: nonce assigned and the original signed.
    case new(StoredRequest)
    /// Stored before (a replayed or duplicated message); nothing changed.
    case existing(StoredRequest)
    /// The message carried no usable request; only the offset moved.
    case skipped
    /// The request cannot be stored as it is (it retries a request this store does not hold);
    /// only the offset moved, and the caller dead-letters it.
    case refused(reason: String)
}

/// An owner's hold on a sender: every write about the sender's requests names it and commits
/// only while the store still has this owner at this epoch, unexpired by the store's clock.
public struct LeaseFence: Hashable, Sendable {
    public let sender: Address
    public let owner: String
    /// Grows by one each time the lease changes hands.
    public let epoch: Int64
    /// When it expires, by the store's clock (renew at half its length).
    public let expiresAt: Date

    public init(sender: Address, owner: String, epoch: Int64, expiresAt: Date) {
        self.sender = sender
        self.owner = owner
        self.epoch = epoch
        self.expiresAt = expiresAt
    }
}

/// A lease as operators see it.
public struct LeaseInfo: Hashable, Sendable {
    public let sender: Address
    public let owner: String
    public let epoch: Int64
    public let expiresAt: Date
    public let isExpired: Bool

    public init(sender: Address, owner: String, epoch: Int64, expiresAt: Date, isExpired: Bool) {
        self.sender = sender
        self.owner = owner
        self.epoch = epoch
        self.expiresAt = expiresAt
        self.isExpired = isExpired
    }
}

/// A sender with unfinished work and nobody holding its lease.
public struct OrphanedSender: Hashable, Sendable {
    public let sender: Address
    /// The topic and partition its requests were consumed from, when known.
    public let topic: String?
    public let partition: Int32?

    public init(sender: Address, topic: String?, partition: Int32?) {
        self.sender = sender
        self.topic = topic
        self.partition = partition
    }
}

/// An event waiting in the outbox.
public struct OutboxEntry: Hashable, Sendable {
    public let sequence: Int64
    public let event: StatusEvent

    public init(sequence: Int64, event: StatusEvent) {
        self.sequence = sequence
        self.event = event
    }
}

/// An `Idempotency-Key` presented with a request: its hash (never the key itself), the request
/// id it would name, and a hash of the body it came with.
public struct IdempotencyClaim: Hashable, Sendable {
    public var keyHash: [UInt8]
    public var requestID: RequestID
    public var bodyHash: [UInt8]
    public var at: Date

    public init(keyHash: [UInt8], requestID: RequestID, bodyHash: [UInt8], at: Date) {
        self.keyHash = keyHash
        self.requestID = requestID
        self.bodyHash = bodyHash
        self.at = at
    }
}

public enum IdempotencyOutcome: Hashable, Sendable {
    /// First use of the key.
    case claimed
    /// Used before, with this request id and body hash.
    case existing(requestID: RequestID, bodyHash: [UInt8])
}
