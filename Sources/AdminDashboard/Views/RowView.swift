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

/// One request of a list, as a page and JSON show it.
struct RowView: Codable, Sendable {
    var id: String
    var messageType: String
    var sender: String
    var nonce: UInt64
    var status: String
    var statusClass: String
    var attempts: Int
    var lastErrorClass: String?
    var created: TimeView

    init(_ row: RequestSummary, now: Date) {
        id = row.id.description
        messageType = row.messageType
        sender = row.sender.checksummed
        nonce = row.nonce.value
        status = row.status.rawValue
        statusClass = StatusStyle.kind(row.status)
        attempts = row.attempts
        lastErrorClass = row.lastErrorClass?.rawValue
        created = TimeView(row.createdAt, now: now)
    }
}

/// The colour group of a status on the pages: passed, failed, or on its way.
enum StatusStyle {
    static func kind(_ status: TransactionStatus) -> String {
        switch status {
        case .confirmed: "passed"
        case .failed, .reverted: "failed"
        default: "pending"
        }
    }
}
