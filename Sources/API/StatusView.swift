import BroadcastModel
import EVMPrimitives
import Foundation
import HTTPTypes
import Lifecycle
import StatusStore

/// The answer to a broadcast POST: the request id and what is known of its status.
///
/// `status` is `accepted` (in the queue, not yet stored by a worker) or the lifecycle's word
/// for where it is; the nonce and hash appear once it is signed.
struct StatusView: Codable, Equatable, Sendable {
    var id: RequestID
    var status: TransactionStatus
    var nonce: Nonce?
    var hash: TxHash?
    var error: String?

    static func accepted(_ id: RequestID) -> StatusView {
        StatusView(id: id, status: .accepted)
    }

    init(id: RequestID, status: TransactionStatus) {
        self.id = id
        self.status = status
    }

    init(_ event: StatusEvent) {
        id = event.id
        status = event.status
        nonce = event.nonce
        hash = event.hash
        error = event.error
    }

    init(_ stored: StoredRequest) {
        id = stored.id
        status = stored.status
        nonce = stored.lifecycle.nonce
        hash = stored.lifecycle.currentHash
        error = stored.lifecycle.reason
    }

    /// What `Prefer: wait` waits for: a node holds the request (or it is mined), or it is final.
    var isOutcome: Bool {
        switch status {
        case .submitted, .replaced, .mined, .confirmed, .reverted, .failed: true
        case .accepted, .signed, .retrying, .unknown: false
        }
    }
}

extension Answer {
    /// `.json(.ok, StatusView.accepted(id))`, the answer to almost every POST, written without
    /// an encoder (`AcceptedAnswerTests` checks it is the same bytes).
    static func accepted(_ id: RequestID) -> Answer {
        var body = Array(#"{"id":""#.utf8)
        body.append(contentsOf: id.description.utf8)
        body.append(contentsOf: #"","status":"accepted"}"#.utf8)
        return Answer(status: .ok, headers: [.contentType: "application/json; charset=utf-8"], body: body)
    }
}

/// `GET /transaction/{id}`: everything the store knows of a request, in the chain's words.
struct RecordView: Encodable, Sendable {
    var id: RequestID
    var status: TransactionStatus
    /// No further change will happen.
    var final: Bool
    var request: BroadcastRequest
    var nonce: Nonce
    /// The mined version's hash, else the newest.
    var hash: TxHash
    var versions: [VersionSummary]
    var receipt: ReceiptSummary?
    /// How deep the mined version is under the head the workers last processed.
    var confirmations: UInt64?
    var sends: Int
    var attempts: [BroadcastAttempt]
    var nextSendAt: Date?
    var giveUpReason: String?
    var error: String?
    var createdAt: Date
    var updatedAt: Date

    init(stored: StoredRequest, attempts: [BroadcastAttempt], head: BlockNumber?) {
        let lifecycle = stored.lifecycle
        id = stored.id
        status = stored.status
        final = lifecycle.isFinal
        request = stored.request
        nonce = lifecycle.nonce
        hash = lifecycle.currentHash
        versions = lifecycle.versionSummaries
        receipt = lifecycle.receiptSummary
        confirmations = lifecycle.inclusion.flatMap { inclusion in head.map { inclusion.block.depth(under: $0) } }
        sends = lifecycle.sends
        self.attempts = attempts
        nextSendAt = lifecycle.nextSendAt
        giveUpReason = lifecycle.giveUpReason
        error = lifecycle.reason
        createdAt = stored.createdAt
        updatedAt = stored.updatedAt
    }

    enum CodingKeys: String, CodingKey {
        case id, status, final, request, nonce, hash, versions, receipt, confirmations, sends, attempts, error
        case nextSendAt = "next_send_at"
        case giveUpReason = "give_up_reason"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
    }
}
