import BroadcastModel
import EVMPrimitives
import Foundation
import Lifecycle

/// Where requests, their lifecycles (every signed version, every attempt, the receipt),
/// per-sender nonces and leases, consumed offsets and the results outbox live. SQLite
/// (module SQLiteStore) serves the processes of one host, PostgreSQL (module PostgresStore)
/// consumers spread over hosts, both behind this protocol; module StoreEngines opens the one
/// the configuration names.
///
/// The rules every implementation keeps:
/// - A consumed request's record (nonce, first signed version) and the offset after its
///   message are written in one transaction: after any crash either both exist or neither.
/// - Every write about a sender's requests is fenced by that sender's lease: it commits only
///   while the writer holds the lease at the epoch it acquired, by the store's own clock, so a
///   process that paused past its lease cannot write once another took over.
/// - Every status change adds its event to the outbox in the same transaction.
/// Everything a role may ask of a status store: the protocol, the dashboard's reads and its
/// bulk retries. What the factory in StoreEngines hands out.
public typealias StatusStoreEngine = StatusStore & BulkRetryStore & AdminOverviewReads

public protocol StatusStore: Sendable {
    /// Records a batch of consumed messages in one transaction: for each new request, assigns
    /// its sender's next nonce, calls `sign` for the original version, and stores the request
    /// with its lifecycle (deadline `retryDeadline` from now) and a `signed` event in the
    /// outbox; a request whose id is already stored is left as it is (`.existing`); an entry
    /// without a request only advances its partition's offset. Offsets only move forward, to
    /// one past each entry's message.
    ///
    /// A request that can never be stored as it is (its `retry_of` is not held here, `sign`
    /// throws for it, the store refuses its row) is `.refused` with the reason: nothing of it is
    /// stored and it takes no nonce, the rest of the batch goes on, and its partition's offset
    /// stays at its message. The caller deals with it (the dead-letter topic), then takes it in
    /// again as an entry without a request, which stores the offsets.
    ///
    /// Every sender of the batch's requests must be held under `fences`; if one is not (or
    /// its lease was lost), nothing is stored and `StatusStoreError.fenced` is thrown. Other
    /// failures of the store itself are thrown too, and then nothing of the batch is stored: a
    /// ``StatusStoreError`` that ``StatusStoreError/isTransient`` (`busy`, `storageFailure`)
    /// may succeed if tried again.
    func intake(
        _ batch: [ConsumedMessage], fences: [Address: LeaseFence], retryDeadline: Duration,
        sign: @Sendable (BroadcastRequest, Nonce) throws -> TransactionVersion
    ) async throws -> [IntakeResult]

    /// Stores the changes of many lanes in one transaction: for each element, its lifecycles
    /// as they are now (their state, versions not stored yet, an outbox event for each whose
    /// status changed) and its attempts, under its own fence. An element whose lease is not
    /// held, or that names another sender's request, is left out whole and answered
    /// `.fenced`; the others are stored. Any other failure throws, and then nothing is stored.
    /// The answers are in the order of `changes`.
    func save(_ changes: [LifecycleChanges]) async throws -> [LifecycleSaveOutcome]

    /// The sender's requests that are not final, by nonce: what a new lease owner resumes.
    func unfinished(sender: Address) async throws -> [StoredRequest]

    /// Senders with unfinished requests consumed from `partitions` of `topic`: the work a
    /// worker newly assigned those partitions takes over.
    func unfinishedSenders(topic: String, partitions: [Int32]) async throws -> [Address]

    /// Senders with unfinished requests whose lease is free or expired, with the partition
    /// their requests came from (nil when unknown): work nobody is doing.
    func orphanedSenders() async throws -> [OrphanedSender]

    // MARK: Leases and nonces

    /// Takes the sender's lease for `length` if it is free, expired, or already `owner`'s
    /// (then renewed at the same epoch); while another owner holds it, says who and until when.
    func acquireLease(sender: Address, owner: String, length: Duration) async throws -> LeaseAcquisition

    /// Extends held leases by `length` from now, in one transaction; each answer, in the
    /// order of `fences`, is nil when that lease was lost (expired and taken, or released):
    /// its holder must stop working the sender at once. One write for all: a worker renewing
    /// its senders one write after another behind a busy store let the last ones expire.
    func renewLeases(_ fences: [LeaseFence], length: Duration) async throws -> [LeaseFence?]

    /// Gives the lease up so another owner may take it without waiting for its expiry.
    func releaseLease(_ fence: LeaseFence) async throws

    /// The lease of each sender that has one (for operators).
    func leases() async throws -> [LeaseInfo]

    /// Sets the sender's next nonce from the chain: the pending count, or one past the highest
    /// nonce a stored request holds, whichever is higher, so it follows the chain in both
    /// directions and never hands out a nonce a request holds. Returns the new next nonce.
    func reconcileNonce(_ fence: LeaseFence, chainPending: Nonce) async throws -> Nonce

    /// The next offset to consume for each partition that has one stored.
    ///
    /// Synchronous on purpose: librdkafka asks for it from its rebalance callback, which
    /// cannot await.
    func startingOffsets(group: String, topic: String, partitions: [Int32]) throws -> [Int32: Int64]

    /// Moves a partition's stored offset from `stored` to `offset`, backwards too: the log was
    /// reset (a broker that forgot it) and reading starts over at `offset`. Only if the stored
    /// offset is still `stored`, so a concurrent intake's progress is never undone.
    ///
    /// Synchronous for the same reason as `startingOffsets`.
    func moveOffset(group: String, topic: String, partition: Int32, from stored: Int64, to offset: Int64) throws

    // MARK: The results outbox

    /// Up to `limit` unpublished events for `owner` to publish, oldest first, held for
    /// `holdFor` (then another publisher may take them). A request's events are handed to one
    /// publisher at a time, in order.
    func claimOutbox(owner: String, limit: Int, holdFor: Duration) async throws -> [OutboxEntry]

    /// Removes published events.
    func acknowledgeOutbox(_ sequences: [Int64]) async throws

    // MARK: The chain head

    /// Records the head the chain watcher processed (for confirmations in the API).
    func saveChainHead(_ head: BlockNumber) async throws

    /// The head last recorded, nil before any.
    func chainHead() async throws -> BlockNumber?

    // MARK: Reads

    func request(_ id: RequestID) async throws -> StoredRequest?
    func attempts(of id: RequestID) async throws -> [BroadcastAttempt]

    /// Requests most recently updated first, optionally of one status, continuing after `before`.
    func list(status: TransactionStatus?, limit: Int, before: RecordCursor?) async throws -> RecordPage

    /// How many requests are in each status (every stored status present, zero included), from
    /// the counters of `statusCounts()`.
    func countsByStatus() async throws -> [TransactionStatus: Int]

    // MARK: The admin dashboard

    /// How many requests are in each status, from counters changed in the transaction of every
    /// status change: no rows are counted.
    func statusCounts() async throws -> StatusCounts

    /// Up to `limit` light rows of the requests matching `query`, newest first by creation
    /// time then id, continuing after `cursor`. Every filter and search reads through an
    /// index; neither calldata nor signed transactions are loaded.
    func summaries(_ query: RequestQuery, limit: Int, after cursor: ListCursor?) async throws -> SummaryPage

    /// Links `original` to `retry`, the new request an operator's retry produces, if
    /// `original` is final failed or reverted and was not retried yet: a compare-and-set, so
    /// of two clicks or two operators exactly one wins and the other gets
    /// `StatusStoreError.alreadyRetried` (naming the retry that won). `notRetryable` when it
    /// is not failed or reverted, `unknownRequest` when it is not stored. `audit` is appended
    /// in the same transaction. The request's status and history are left as they are.
    func markRetried(original: RequestID, as retry: RequestID, audit: AuditEntry?) async throws -> RetryLink

    /// The request `id` was retried as, nil if it was not (or is not stored).
    func retriedAs(_ id: RequestID) async throws -> RequestID?

    /// The request that was retried as `id` (by its link, which is stored before the retry is
    /// produced), nil if `id` is no retry. Answers before any worker has stored `id` itself.
    func retryOrigin(of id: RequestID) async throws -> RequestID?

    /// Appends an entry to the audit, at the store's time.
    func appendAudit(_ entry: AuditEntry) async throws -> AuditRecord

    /// The audit entries of one request, newest first.
    func audit(of request: RequestID, limit: Int) async throws -> [AuditRecord]

    /// The audit, newest first, continuing before entry `before` (nil for the newest).
    func recentAudit(limit: Int, before: Int64?) async throws -> [AuditRecord]

    // MARK: The API's idempotency keys

    /// Claims an idempotency key for a request, or returns the request that claimed it first
    /// and the answer it was given, if one was stored.
    func claimIdempotencyKey(_ claim: IdempotencyClaim) async throws -> IdempotencyOutcome

    /// Stores the answer given to the request of a claimed key, unless an answer is stored
    /// already; returns the stored one, which is the first. A key never claimed is refused.
    func recordFirstAnswer(_ answer: IdempotentAnswer, forKey keyHash: [UInt8]) async throws -> IdempotentAnswer
}

extension StatusStore {
    /// `markRetried(original:as:audit:)` without an audit entry.
    public func markRetried(original: RequestID, as retry: RequestID) async throws -> RetryLink {
        try await markRetried(original: original, as: retry, audit: nil)
    }
}

extension StatusStore {
    /// Stores one lane's changes (see ``save(_:)``); `StatusStoreError.fenced` when its lease
    /// is not held.
    public func save(_ states: [LifecycleState], attempts: [BroadcastAttempt], fence: LeaseFence) async throws {
        let changes = LifecycleChanges(states: states, attempts: attempts, fence: fence)
        guard !changes.isEmpty else { return }
        if case .fenced(let error) = try await save([changes]).first { throw error }
    }
}

extension StatusStore {
    /// Extends one held lease (see ``renewLeases(_:length:)``); nil when it was lost.
    public func renewLease(_ fence: LeaseFence, length: Duration) async throws -> LeaseFence? {
        try await renewLeases([fence], length: length).first ?? nil
    }
}
