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

/// The overview page and `GET /admin/api/overview`.
struct OverviewView: Codable, Sendable {
    struct Count: Codable, Sendable {
        var status: String
        var count: Int
        var statusClass: String
    }

    struct Rate: Codable, Sendable {
        var minutes: Int
        var stored: Int
    }

    struct Lane: Codable, Sendable {
        var sender: String
        var nextNonce: UInt64
        var unfinished: Int
        var lowestUnfinishedNonce: UInt64?
        var highestUnfinishedNonce: UInt64?
        var gaps: Int?
        var stuck: Bool
        var oldestUnfinished: TimeView?
        var chainLatestNonce: UInt64?
        var chainPendingNonce: UInt64?
        var chainCheckedAge: String?
        var chainProblem: String?
        var leaseOwner: String?
        var leaseExpires: TimeView?
        var leaseExpired: Bool
    }

    struct Partition: Codable, Sendable {
        var group: String
        var topic: String
        var partition: Int32
        var storedOffset: Int64
        var highWatermark: Int64?
        var lag: Int64?
        var watermarkAge: String?
        /// The lease owners of the senders with unfinished work from this partition.
        var owners: String
    }

    var generated: TimeView
    var passed: Int
    var failed: Int
    var unfinished: Int
    var total: Int
    var counts: [Count]
    /// The same counts and rates keyed for the script (`byStatus.failed`, `storedInLast.5`).
    var byStatus: [String: Int]
    var rates: [Rate]
    var storedInLast: [String: Int]
    var oldestUnfinished: RowView?
    var lanes: [Lane]
    var partitions: [Partition]
    var chainNote: String
}
