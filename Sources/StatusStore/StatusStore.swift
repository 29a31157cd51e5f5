import BroadcastModel
import EVMPrimitives
import Foundation

/// Where requests, their signed transactions, attempts, per-sender nonces and consumed offsets
/// live. SQLite (`SQLiteStatusStore`) serves the processes of one host; a server database will
/// serve consumers spread over hosts behind this same protocol.
///
/// The rule every implementation keeps: a consumed request's record (nonce, signed bytes) and
/// the offset after its message are written in one transaction, so after any crash either
/// both exist or neither does.
public protocol StatusStore: Sendable {
    /// Records a batch of consumed messages in one transaction: for each new request, assigns
    /// its sender's next nonce, calls `sign`, and stores the signed transaction; a request whose
    /// id is already stored is left as it is (`.existing`); an entry without a request only
    /// advances its partition's offset. Offsets advance to one past each entry's message.
    ///
    /// A request that can never be stored as it is (its `retry_of` is not held here, `sign`
    /// throws for it, the store refuses its row) is `.refused` with the reason: nothing of it is
    /// stored and it takes no nonce, the rest of the batch goes on, and its partition's offset
    /// stays at its message (later entries of that partition are stored but do not move the
    /// offset). The caller deals with it (the dead-letter topic), then takes it in again as
    /// an entry without a request, which stores the offsets.
    ///
    /// Only failures of the store itself are thrown, and then nothing of the batch is stored: a
    /// ``StatusStoreError`` that ``StatusStoreError/isTransient`` (`busy`, `storageFailure`) may
    /// succeed if tried again.
    ///
    /// A sender the store has never seen starts at nonce 0: reconcile each configured sender
    /// with the chain (`reconcileNonce`) before its first intake.
    func intake(
        _ batch: [ConsumedMessage],
        sign: @Sendable (BroadcastRequest, Nonce) throws -> SignedBytes
    ) async throws -> [IntakeResult]

    /// Stores a finished attempt and the status it leads to; returns the updated record.
    func recordAttempt(
        _ attempt: BroadcastAttempt, status: TransactionStatus, nextAttemptAt: Date?
    ) async throws -> TransactionRecord

    func record(_ id: RequestID) async throws -> TransactionRecord?
    func attempts(of id: RequestID) async throws -> [BroadcastAttempt]

    /// Requests that are `signed` or `retrying`, by sender then nonce (the order to re-send them
    /// in): the work a restarted worker resumes.
    func unfinished(limit: Int) async throws -> [TransactionRecord]

    /// Requests that are `signed` or `retrying` and were consumed from one of `partitions` of
    /// `topic`, by sender then nonce: the work a worker newly assigned those partitions resumes
    /// (their previous owner may have died with it unfinished).
    func unfinished(topic: String, partitions: [Int32], limit: Int) async throws -> [TransactionRecord]

    /// The next offset to consume for each partition that has one stored.
    ///
    /// Synchronous on purpose: librdkafka asks for it from its rebalance callback, which
    /// cannot await.
    func startingOffsets(group: String, topic: String, partitions: [Int32]) throws -> [Int32: Int64]

    /// Makes the sender's next nonce at least `chainNext` (the chain's pending transaction count).
    func reconcileNonce(sender: Address, chainNext: Nonce) async throws

    /// Claims an idempotency key for a request, or returns the request that claimed it first.
    func claimIdempotencyKey(_ claim: IdempotencyClaim) async throws -> IdempotencyOutcome

    /// Records most recently updated first, optionally of one status, continuing after `before`.
    func list(status: TransactionStatus?, limit: Int, before: RecordCursor?) async throws -> RecordPage

    /// How many requests are in each status (every status present, zero included).
    func countsByStatus() async throws -> [TransactionStatus: Int]
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

/// A signed transaction as the store keeps it.
public struct SignedBytes: Hashable, Sendable {
    public var raw: [UInt8]
    public var hash: TxHash

    public init(raw: [UInt8], hash: TxHash) {
        self.raw = raw
        self.hash = hash
    }
}

public enum IntakeResult: Hashable, Sendable {
    /// Stored now: nonce assigned and signed.
    case new(TransactionRecord)
    /// Stored before (a replayed or duplicated message); nothing changed.
    case existing(TransactionRecord)
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
