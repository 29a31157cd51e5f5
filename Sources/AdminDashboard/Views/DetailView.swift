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

/// A request's page and `GET /admin/api/requests/{id}`.
struct DetailView: Codable, Sendable {
    struct Version: Codable, Sendable {
        var number: Int
        var kind: String
        var hash: String
        var explorerURL: String?
        var maxFeePerGas: String
        var maxPriorityFeePerGas: String
        var signed: TimeView
    }

    struct Attempt: Codable, Sendable {
        var number: Int
        var version: Int
        var hash: String
        var started: TimeView
        var endpoint: String?
        var durationMS: Int
        /// "unknown" for a send whose answer was lost (a timeout): it may have landed.
        var outcome: String
        var errorClass: String?
        var error: String?
    }

    struct Receipt: Codable, Sendable {
        var hash: String
        var explorerURL: String?
        var block: UInt64
        var blockHash: String
        var succeeded: Bool
        var gasUsed: UInt64
        var effectiveGasPrice: String?
        /// From the chain head the store recorded; nil when none was recorded.
        var confirmations: UInt64?
    }

    struct Audit: Codable, Sendable {
        var id: Int64
        var at: TimeView
        var user: String
        var action: String
        var reason: String?
        var details: String
    }

    var id: String
    var messageType: String
    var function: String
    var sender: String
    var contract: String
    var nonce: UInt64
    var status: String
    var statusClass: String
    var accepted: TimeView
    var created: TimeView
    var updated: TimeView
    var sourceTopic: String?
    var sourcePartition: Int32?
    var calldata: CalldataView
    var versions: [Version]
    var attempts: [Attempt]
    var receipt: Receipt?
    var chainHead: UInt64?
    var outcomeReason: String?
    var giveUpReason: String?
    var lastError: String?
    var retryOf: String?
    var retriedAs: String?
    var audit: [Audit]
    /// Whether the page offers the Retry button: a final failed or reverted request not
    /// retried yet, to a user with the operator role.
    var canRetry: Bool
    var retryable: Bool
}
