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
    /// The request cannot be stored; nothing changed, not even the offset.
    case refused(IntakeRefusal)
}

/// Why intake refused one request, for the dead-letter topic and its metrics.
public struct IntakeRefusal: Hashable, Sendable, CustomStringConvertible {
    public enum Kind: String, Hashable, Sendable {
        /// Its `retry_of` names a request this store does not hold.
        case unknownOriginal = "unknown_retry_of"
        /// Signing it failed.
        case unsignable = "unsignable"
        /// The store refused its row (a constraint, a row that does not decode).
        case storeRefused = "store_refused"
    }

    public var kind: Kind
    public var reason: String

    public init(_ kind: Kind, _ reason: String) {
        self.kind = kind
        self.reason = reason
    }

    public var description: String { reason }
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

/// What asking for a sender's lease got.
public enum LeaseAcquisition: Hashable, Sendable {
    case acquired(LeaseFence)
    /// Another owner holds it until `until` (by the store's clock), unless it renews it.
    case heldElsewhere(owner: String, until: Date)

    public var fence: LeaseFence? {
        if case .acquired(let fence) = self { return fence }
        return nil
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
    /// Used before, with this request id and body hash; `firstAnswer` is nil until the first
    /// request was answered (it is still in flight, or it was not acknowledged).
    case existing(requestID: RequestID, bodyHash: [UInt8], firstAnswer: IdempotentAnswer?)
}

/// The answer first given to a request that carried an `Idempotency-Key`, kept so that a
/// repeat gets it byte for byte, however the request moved on since.
public struct IdempotentAnswer: Hashable, Sendable {
    public struct Header: Hashable, Sendable, Codable {
        public var name: String
        public var value: String

        public init(name: String, value: String) {
            self.name = name
            self.value = value
        }
    }

    /// The HTTP status code, 100-599.
    public var status: Int
    public var headers: [Header]
    public var body: [UInt8]

    public init(status: Int, headers: [Header], body: [UInt8]) {
        self.status = status
        self.headers = headers
        self.body = body
    }
}
