import BroadcastModel
import EVMPrimitives
import Foundation

/// What the admin list shows of the requests matching a query, newest first.
///
/// Every filter is an equality or a range on an indexed column, and every search a lookup of
/// one key or one key prefix, so no list reads more rows than its page (plus those its other
/// filters skip).
public struct RequestQuery: Hashable, Sendable {
    /// Any of these statuses; empty for all.
    public var statuses: Set<TransactionStatus>
    public var sender: Address?
    /// The contract called (the transaction's `to`).
    public var contract: Address?
    public var selector: FunctionSelector?
    public var messageType: String?
    /// Created at or after.
    public var createdFrom: Date?
    /// Created before.
    public var createdBefore: Date?
    public var search: RequestSearch?

    public init(
        statuses: Set<TransactionStatus> = [], sender: Address? = nil, contract: Address? = nil, selector: FunctionSelector? = nil,
        messageType: String? = nil, createdFrom: Date? = nil, createdBefore: Date? = nil, search: RequestSearch? = nil
    ) {
        self.statuses = statuses
        self.sender = sender
        self.contract = contract
        self.selector = selector
        self.messageType = messageType
        self.createdFrom = createdFrom
        self.createdBefore = createdBefore
        self.search = search
    }
}

/// A search by a key the operator holds: a request id or a hash (whole, or its first
/// characters), or an `Idempotency-Key`.
public struct RequestSearch: Hashable, Sendable {
    package enum Kind: Hashable, Sendable {
        /// Lowercase, as stored; at least `minimumPrefix` characters.
        case idPrefix(String)
        case hashPrefix(String)
        case idempotencyKey(hash: [UInt8])
    }

    package let kind: Kind

    /// The fewest characters a prefix search takes (besides a hash's "0x"): fewer would match
    /// too many requests to be a search. Eight hex digits are 32 bits: among a million
    /// requests a prefix matches about one.
    public static let minimumPrefix = 8

    /// Requests whose id starts with `prefix` (any case, dashes as in the id); nil when it is
    /// shorter than `minimumPrefix` or has characters no id has.
    public static func id(prefix: String) -> RequestSearch? {
        let text = prefix.lowercased()
        guard text.count >= minimumPrefix, text.count <= 36, text.allSatisfy({ $0.isHexDigit || $0 == "-" }) else { return nil }
        return RequestSearch(kind: .idPrefix(text))
    }

    /// Requests ever signed under a hash that starts with `prefix` ("0x" and at least
    /// `minimumPrefix` hex digits, any case): the original, replacements, a cancellation.
    public static func hash(prefix: String) -> RequestSearch? {
        let text = prefix.lowercased()
        guard text.hasPrefix("0x") else { return nil }
        let digits = text.dropFirst(2)
        guard digits.count >= minimumPrefix, digits.count <= 64, digits.allSatisfy(\.isHexDigit) else { return nil }
        return RequestSearch(kind: .hashPrefix(text))
    }

    /// The request that claimed an `Idempotency-Key`, by the key's hash as the API stores it
    /// (the store never holds the key itself).
    public static func idempotencyKey(hash: [UInt8]) -> RequestSearch {
        RequestSearch(kind: .idempotencyKey(hash: hash))
    }
}

/// One row of the admin list: what it shows, and nothing heavier (no calldata, no signed
/// transactions).
public struct RequestSummary: Hashable, Sendable {
    public var id: RequestID
    public var messageType: String
    public var sender: Address
    public var nonce: Nonce
    public var status: TransactionStatus
    /// Sends made, of any version.
    public var attempts: Int
    /// The outcome of its latest send that no node took, nil while there is none.
    public var lastErrorClass: SendClass?
    public var createdAt: Date
    public var updatedAt: Date

    public init(
        id: RequestID, messageType: String, sender: Address, nonce: Nonce, status: TransactionStatus, attempts: Int,
        lastErrorClass: SendClass?, createdAt: Date, updatedAt: Date
    ) {
        self.id = id
        self.messageType = messageType
        self.sender = sender
        self.nonce = nonce
        self.status = status
        self.attempts = attempts
        self.lastErrorClass = lastErrorClass
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

/// Where the admin list continues: the last row of the previous page. Rows are ordered by
/// creation time then id, newest first; neither ever changes, so a page never shifts while
/// the requests on it change status.
public struct ListCursor: Hashable, Sendable {
    public var createdAt: Date
    public var id: RequestID

    public init(createdAt: Date, id: RequestID) {
        self.createdAt = StoredTime.rounded(createdAt)
        self.id = id
    }

    public init(after row: RequestSummary) {
        self.init(createdAt: row.createdAt, id: row.id)
    }

    public var token: String { CursorToken.text(createdAt, id) }

    /// Parses `token`; nil if it is not one.
    public init?(token: some StringProtocol) {
        guard let (date, id) = CursorToken.parse(token) else { return nil }
        self.init(createdAt: date, id: id)
    }
}

public struct SummaryPage: Hashable, Sendable {
    public var rows: [RequestSummary]
    /// The cursor of the next page; nil on the last.
    public var next: ListCursor?

    public init(rows: [RequestSummary], next: ListCursor?) {
        self.rows = rows
        self.next = next
    }
}

/// How many requests are in each status, from counters kept with every status change.
public struct StatusCounts: Hashable, Sendable {
    /// Every status a stored request can have, zero included.
    public var byStatus: [TransactionStatus: Int]

    public init(byStatus: [TransactionStatus: Int]) {
        self.byStatus = byStatus
    }

    public subscript(_ status: TransactionStatus) -> Int { byStatus[status] ?? 0 }
    public var total: Int { byStatus.values.reduce(0, +) }
    /// Confirmed.
    public var passed: Int { self[.confirmed] }
    /// Failed or reverted.
    public var failed: Int { self[.failed] + self[.reverted] }
    /// Not final yet.
    public var unfinished: Int { total - passed - failed }
}
