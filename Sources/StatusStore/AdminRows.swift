import BroadcastModel
import EVMPrimitives
import Foundation

/// What every engine's admin reads share: how a list query is split into indexed reads, and
/// how the admin tables' columns, as read, become the model (or a `corruptRow` error).
package enum AdminReads {
    /// Every status a stored request can have.
    package static let storedStatuses = TransactionStatus.allCases.filter { $0 != .accepted }

    /// The most rows one page of the admin list (or of the audit, or of bulk retries) holds.
    package static let largestPage = 1000

    /// `limit` clamped to 0...largestPage.
    package static func pageSize(_ limit: Int) -> Int { max(0, min(limit, largestPage)) }

    /// The statuses of each indexed read a query takes, their pages merged: neither engine
    /// reads several ranges of (status, created_at, id), or of (sender, status, created_at, id),
    /// in created_at order without sorting every match, while one range per status is read in
    /// order and stops at the page. A sender, contract, selector or message type without
    /// statuses is read status by status for the same reason. A search finds its few matches
    /// first and needs one read.
    package static func statusParts(of query: RequestQuery) -> [[TransactionStatus]] {
        let statuses = query.statuses.sorted { $0.rawValue < $1.rawValue }
        if query.search != nil { return [statuses] }
        if !statuses.isEmpty { return statuses.map { [$0] } }
        let filtered = query.sender != nil || query.contract != nil || query.selector != nil || query.messageType != nil
        return filtered ? storedStatuses.map { [$0] } : [[]]
    }

    /// The counts as stored (status name: count), every stored status present.
    package static func statusCounts(_ stored: [String: Int]) throws -> StatusCounts {
        var counts = Dictionary(uniqueKeysWithValues: storedStatuses.map { ($0, 0) })
        for (name, count) in stored {
            guard let status = TransactionStatus(rawValue: name) else {
                throw StatusStoreError(.corruptRow, "status_counts holds the unknown status \"\(name)\"; the status store was edited by hand")
            }
            counts[status] = count
        }
        return StatusCounts(byStatus: counts)
    }
}

/// Prefix matches as ranges of the index (`text >= prefix AND text < upper`), which every
/// database reads from a B-tree, unlike LIKE, whose index use depends on collations.
package enum PrefixRange {
    /// The smallest text greater than every text starting with `prefix`, for the ASCII
    /// prefixes of ids and hashes: the last character moved one up.
    package static func upperBound(of prefix: String) -> String {
        var bytes = Array(prefix.utf8)
        // Past ASCII (never, for ids and hashes) the range is only bounded by DEL.
        guard let last = bytes.popLast(), last < 0x7E else { return prefix + "\u{7F}" }
        bytes.append(last + 1)
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// One row of the admin list as read, before it is checked.
package struct SummaryRow: Sendable {
    package let id: String
    package let messageType: String
    package let sender: String
    package let nonce: Int64
    package let status: String
    package let sends: Int
    package let lastErrorClass: String?
    package let createdAt: Int64
    package let updatedAt: Int64

    /// The columns of `requests r` a summary reads, in this order.
    package static let columns =
        "r.id, r.message_type, r.from_address, r.nonce, r.status, r.sends, r.last_error_class, r.created_at, r.updated_at"

    package init(
        id: String, messageType: String, sender: String, nonce: Int64, status: String, sends: Int, lastErrorClass: String?,
        createdAt: Int64, updatedAt: Int64
    ) {
        self.id = id
        self.messageType = messageType
        self.sender = sender
        self.nonce = nonce
        self.status = status
        self.sends = sends
        self.lastErrorClass = lastErrorClass
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    package static func newerFirst(_ a: SummaryRow, _ b: SummaryRow) -> Bool {
        a.createdAt != b.createdAt ? a.createdAt > b.createdAt : a.id > b.id
    }

    /// The page of `rows` (read with one more than `limit`, to learn whether another follows).
    package static func page(_ rows: [SummaryRow], limit: Int) throws -> SummaryPage {
        let page = try rows.prefix(limit).map { try $0.summary() }
        let next = rows.count > limit ? page.last.map(ListCursor.init(after:)) : nil
        return SummaryPage(rows: page, next: next)
    }

    package func summary() throws -> RequestSummary {
        guard let requestID = RequestID(id), let nonce = UInt64(exactly: nonce), let status = TransactionStatus(rawValue: status),
            let sender = try? Address(sender)
        else {
            throw StatusStoreError(.corruptRow, "stored request \(id) does not decode (id, nonce, status or sender); the status store was edited or written by a broken build")
        }
        var errorClass: SendClass?
        if let lastErrorClass {
            guard let parsed = SendClass(rawValue: lastErrorClass) else {
                throw StatusStoreError(.corruptRow, "stored request \(id) has the unknown error class \"\(lastErrorClass)\"")
            }
            errorClass = parsed
        }
        return RequestSummary(
            id: requestID, messageType: messageType, sender: sender, nonce: Nonce(nonce), status: status, attempts: sends,
            lastErrorClass: errorClass, createdAt: StoredTime.date(createdAt), updatedAt: StoredTime.date(updatedAt))
    }
}

extension AuditEntry {
    /// Refuses an entry without a user or an action before anything is written.
    package func check() throws {
        guard !user.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw StatusStoreError(.invalidAuditEntry, "an audit entry needs the user who acted; \(action) was not recorded")
        }
        guard !action.rawValue.isEmpty else {
            throw StatusStoreError(.invalidAuditEntry, "an audit entry needs an action; the entry of \(user) was not recorded")
        }
    }

    /// The `details` column: JSON with sorted keys.
    package var storedDetails: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        // A dictionary of strings: encoding cannot fail.
        return (try? encoder.encode(details)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }
}

extension AuditRecord {
    /// An `audit` row as read.
    package static func stored(
        id: Int64, at: Int64, user: String, action: String, requestID requestText: String?, reason: String?, details detailsText: String
    ) throws -> AuditRecord {
        func corrupt(_ detail: String) -> StatusStoreError {
            StatusStoreError(.corruptRow, "audit entry \(id) does not decode (\(detail)); the status store was edited or written by a broken build")
        }
        var requestID: RequestID?
        if let requestText {
            guard let parsed = RequestID(requestText) else { throw corrupt("request_id \"\(requestText)\"") }
            requestID = parsed
        }
        guard let details = try? JSONDecoder().decode([String: String].self, from: Data(detailsText.utf8)) else {
            throw corrupt("details")
        }
        let entry = AuditEntry(user: user, action: AuditAction(rawValue: action), requestID: requestID, reason: reason, details: details)
        return AuditRecord(id: id, at: StoredTime.date(at), entry: entry)
    }
}

extension BulkRetryRecord {
    /// A `bulk_retries` row as read.
    package static func stored(
        id: Int64, filter filterText: String, cap: Int, reason: String, createdBy: String, createdAt: Int64, startedBy: String?,
        state stateText: String, planned: Int, retried: Int, refused: Int
    ) throws -> BulkRetryRecord {
        guard let filter = FrozenQuery.parse(filterText), let state = BulkRetryState(rawValue: stateText) else {
            throw StatusStoreError(
                .corruptRow, "bulk retry \(id) does not decode (its filter or state); the status store was edited or written by a broken build")
        }
        return BulkRetryRecord(
            id: id, filter: filter, cap: cap, reason: reason, createdBy: createdBy, createdAt: StoredTime.date(createdAt),
            startedBy: startedBy, state: state, planned: planned, retried: retried, refused: refused)
    }
}

extension BulkRetryItemResult {
    /// The item's `result`, `retry_id` and `message` columns.
    package var stored: (result: String, retryID: String?, message: String?) {
        switch self {
        case .pending: ("pending", nil, nil)
        case .retried(let retry): ("retried", retry.description, nil)
        case .refused(let message): ("refused", nil, message)
        }
    }

    /// The operation's counter a recorded result adds one to, nil for pending.
    package var counterColumn: String? {
        switch self {
        case .pending: nil
        case .retried: "retried"
        case .refused: "refused"
        }
    }
}

extension BulkRetryItemRecord {
    /// A `bulk_retry_items` row as read.
    package static func stored(request requestText: String, result resultText: String, retryID: String?, message: String?) throws -> BulkRetryItemRecord {
        guard let request = RequestID(requestText) else { throw corrupt(nil, requestText) }
        let result: BulkRetryItemResult
        switch resultText {
        case "pending": result = .pending
        case "retried":
            guard let retryID, let retry = RequestID(retryID) else { throw corrupt(nil, requestText) }
            result = .retried(retry)
        case "refused": result = .refused(message ?? "")
        default: throw corrupt(nil, requestText)
        }
        return BulkRetryItemRecord(request: request, result: result)
    }

    /// A pending item's request id as read.
    package static func pending(_ operation: Int64, _ requestText: String) throws -> RequestID {
        guard let request = RequestID(requestText) else { throw corrupt(operation, requestText) }
        return request
    }

    private static func corrupt(_ operation: Int64?, _ request: String) -> StatusStoreError {
        StatusStoreError(
            .corruptRow,
            "the bulk retry item of request \"\(request)\"\(operation.map { " in operation \($0)" } ?? "") does not decode; the status store was edited or written by a broken build")
    }
}
