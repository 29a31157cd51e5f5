import BroadcastModel
import EVMPrimitives
import Foundation
import StatusStore

/// What the dashboard may do to requests: retry a failed one as a new linked request, alone or
/// in a stored bulk operation. The dashboard never writes a transaction's status; these
/// actions only produce new requests (through the API's produce path) and write links and audit.
public protocol RetryActions: Sendable {
    /// Whether `id` may be retried now, from the store and a fresh look at the chain, with a
    /// click key for the confirmation form when it may.
    func preview(_ id: RequestID) async -> RetryPreview

    /// Retries `id` once per click key: the same key again (a double submit, a reload) answers
    /// the same retry; a second key after a retry answers `.alreadyRetried`.
    func confirm(_ id: RequestID, clickKey: RetryClickKey, by user: String, reason: String?) async -> Result<RetryOutcome, RetryRefusal>

    /// A bulk retry's dry run: the filter frozen on the server (only final failed or reverted,
    /// not yet retried, requests of it are taken), its count up to `cap`, and a sample. Stored,
    /// so a reload or another operator sees the same operation.
    func planBulk(_ filter: RequestQuery, cap: Int, by user: String, reason: String) async throws -> BulkRetryOperation
    /// Starts a planned operation; it runs in the admin process, item by item, each a `confirm`.
    func startBulk(_ id: BulkRetryID, by user: String) async throws -> BulkRetryOperation
    func cancelBulk(_ id: BulkRetryID, by user: String) async throws -> BulkRetryOperation
    func bulkOperation(_ id: BulkRetryID) async throws -> BulkRetryOperation?
    func bulkOperations(limit: Int) async throws -> [BulkRetryOperation]
    func bulkItems(_ id: BulkRetryID, limit: Int, after: RequestID?) async throws -> [BulkRetryItem]
}

/// A random token put in the confirmation form: the retry's request id derives from it and the
/// original's id, so one click is one request however often it is submitted.
public struct RetryClickKey: Hashable, Sendable, CustomStringConvertible {
    public let text: String
    public init?(_ text: String) {
        guard (16...128).contains(text.utf8.count), text.utf8.allSatisfy({ (0x21...0x7E).contains($0) }) else { return nil }
        self.text = text
    }
    public var description: String { text }
}

public struct RetryPreview: Sendable {
    public var request: StoredRequest?
    public var verdict: RetryVerdict
    /// Present only when the verdict allows the retry.
    public var clickKey: RetryClickKey?

    public init(request: StoredRequest?, verdict: RetryVerdict, clickKey: RetryClickKey?) {
        self.request = request
        self.verdict = verdict
        self.clickKey = clickKey
    }
}

public enum RetryVerdict: Sendable, Equatable {
    case allowed(ChainEvidence)
    case refused(RetryRefusal)
}

/// What the chain said just now: no hash that carries the request's call was mined with effect,
/// and the sender's mined nonce count is past the request's nonce (so no old version can still
/// land), and what took that nonce.
public struct ChainEvidence: Sendable, Equatable {
    /// What took the request's nonce, as far as its own versions tell.
    public enum NonceTaker: Sendable, Equatable {
        /// Its cancellation (a zero-value transfer to the sender) was mined: the call never ran.
        case cancellation(TxHash)
        /// Its call was mined and reverted: it ran without effect.
        case revertedCall(TxHash)
        /// None of its versions has a receipt: a transaction signed elsewhere took the nonce.
        case anotherTransaction
    }

    /// Every hash the request was ever signed under (calls and cancellation).
    public var hashesChecked: [TxHash]
    public var nonce: Nonce
    public var chainLatestNonce: Nonce
    public var nonceTakenBy: NonceTaker
    public var checkedAt: Date

    public init(
        hashesChecked: [TxHash], nonce: Nonce, chainLatestNonce: Nonce, nonceTakenBy: NonceTaker = .anotherTransaction, checkedAt: Date
    ) {
        self.hashesChecked = hashesChecked
        self.nonce = nonce
        self.chainLatestNonce = chainLatestNonce
        self.nonceTakenBy = nonceTakenBy
        self.checkedAt = checkedAt
    }
}

public struct RetryRefusal: Error, Sendable, Equatable {
    public enum Reason: Sendable, Equatable {
        case unknownRequest
        case notFailed(TransactionStatus)
        case alreadyRetried(RequestID)
        /// One of its hashes has a receipt: retrying would send it twice.
        case mined(TxHash, block: BlockNumber)
        /// The chain has not consumed its nonce yet: an old version could still be mined.
        case nonceOpen(nonce: Nonce, chainLatestNonce: Nonce)
        case chainUnavailable
        /// This process's configuration no longer admits the request.
        case notAdmitted
        /// The broker did not acknowledge the new request; the link is stored, so the same
        /// click key produces it again.
        case notAcknowledged(RequestID)
        case storeUnavailable
    }

    public var reason: Reason
    /// For the operator: what happened and what to do.
    public var message: String

    public init(_ reason: Reason, _ message: String) {
        self.reason = reason
        self.message = message
    }
}

public struct RetryOutcome: Sendable, Equatable {
    public var original: RequestID
    public var retry: RequestID
    /// True when this click key had already made the retry (a double submit).
    public var repeated: Bool

    public init(original: RequestID, retry: RequestID, repeated: Bool) {
        self.original = original
        self.retry = retry
        self.repeated = repeated
    }
}

public struct BulkRetryID: Hashable, Sendable, CustomStringConvertible {
    public let value: Int64
    public init(_ value: Int64) { self.value = value }
    public var description: String { String(value) }
}

public struct BulkRetryOperation: Sendable, Equatable {
    public enum State: String, Sendable, Equatable { case planned, running, cancelled, finished }

    public var id: BulkRetryID
    public var filter: RequestQuery
    public var cap: Int
    public var reason: String
    public var createdBy: String
    public var createdAt: Date
    public var state: State
    /// Items frozen at planning (at most `cap`), and how many of them ended each way.
    public var planned: Int
    public var retried: Int
    public var refused: Int
    public var sample: [RequestSummary]

    public init(
        id: BulkRetryID, filter: RequestQuery, cap: Int, reason: String, createdBy: String, createdAt: Date, state: State,
        planned: Int, retried: Int, refused: Int, sample: [RequestSummary]
    ) {
        self.id = id
        self.filter = filter
        self.cap = cap
        self.reason = reason
        self.createdBy = createdBy
        self.createdAt = createdAt
        self.state = state
        self.planned = planned
        self.retried = retried
        self.refused = refused
        self.sample = sample
    }
}

public struct BulkRetryItem: Sendable, Equatable {
    public enum Result: Sendable, Equatable {
        case pending
        case retried(RequestID)
        case refused(String)
    }

    public var request: RequestID
    public var result: Result

    public init(request: RequestID, result: Result) {
        self.request = request
        self.result = result
    }
}
