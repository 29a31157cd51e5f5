import ABI
import AdminAccess
import AdminActions
import BroadcastModel
import BroadcasterConfig
import EVMPrimitives
import Foundation
import HTTPTypes
import Hummingbird
import Lifecycle
import NIOCore
import StatusStore

/// A bulk retry as its pages and `/admin/api/bulk-retries` show it.
struct BulkView: Codable, Sendable {
    var id: String
    var state: String
    var createdBy: String
    var created: TimeView
    var reason: String
    var filter: String
    var cap: Int
    var planned: Int
    var retried: Int
    var refused: Int
    var sample: [RowView]
    var isPlanned: Bool
    var isActive: Bool

    init(_ operation: BulkRetryOperation, now: Date) {
        id = operation.id.description
        state = operation.state.rawValue
        createdBy = operation.createdBy
        created = TimeView(operation.createdAt, now: now)
        reason = operation.reason
        filter = Self.describe(operation.filter)
        cap = operation.cap
        planned = operation.planned
        retried = operation.retried
        refused = operation.refused
        sample = operation.sample.map { RowView($0, now: now) }
        isPlanned = operation.state == .planned
        isActive = operation.state == .planned || operation.state == .running
    }

    static func describe(_ query: RequestQuery) -> String {
        var parts: [String] = []
        parts.append("status " + (query.statuses.isEmpty ? "failed or reverted" : query.statuses.map(\.rawValue).sorted().joined(separator: " or ")))
        if let sender = query.sender { parts.append("sender \(sender.checksummed)") }
        if let contract = query.contract { parts.append("contract \(contract.checksummed)") }
        if let selector = query.selector { parts.append("selector \(selector)") }
        if let type = query.messageType { parts.append("message type \(type)") }
        if let from = query.createdFrom { parts.append("stored from \(TimeText.utc(from))") }
        if let before = query.createdBefore { parts.append("stored before \(TimeText.utc(before))") }
        return parts.joined(separator: ", ")
    }
}

struct BulkItemView: Codable, Sendable {
    var request: String
    var result: String
    var retry: String?

    init(_ item: BulkRetryItem) {
        request = item.request.description
        switch item.result {
        case .pending: result = "pending"
        case .retried(let retry):
            result = "retried"
            self.retry = retry.description
        case .refused(let why): result = "refused: \(why)"
        }
    }
}

struct AuditEntryView: Codable, Sendable {
    var id: Int64
    var at: TimeView
    var user: String
    var action: String
    var requestID: String?
    var reason: String?
    var details: String

    init(_ record: AuditRecord, now: Date) {
        id = record.id
        at = TimeView(record.at, now: now)
        user = record.entry.user
        action = record.entry.action.rawValue
        requestID = record.entry.requestID?.description
        reason = record.entry.reason
        details = record.entry.details.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: "; ")
    }
}
