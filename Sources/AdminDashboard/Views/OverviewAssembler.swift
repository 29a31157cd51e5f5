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

/// Reads the overview: the status counters, a few index ranges and seeks, the leases, and the
/// background facts; never a row count and never a node call.
struct OverviewAssembler: Sendable {
    let store: any StatusStore & AdminOverviewReads
    let facts: BackgroundFacts
    let stuckAfter: Duration
    let now: @Sendable () -> Date

    static let rateWindows = [1, 5, 15]

    func overview() async throws -> OverviewView {
        let now = now()
        let counts = try await store.statusCounts()
        var rates: [OverviewView.Rate] = []
        for minutes in Self.rateWindows {
            rates.append(.init(minutes: minutes, stored: try await store.storedSince(now.addingTimeInterval(-Double(minutes) * 60))))
        }
        let oldest = try await store.oldestUnfinished()
        let leases = Dictionary(try await store.leases().map { ($0.sender, $0) }, uniquingKeysWith: { first, _ in first })
        var lanes: [OverviewView.Lane] = []
        let snapshot = try await facts.lanes()
        for lane in snapshot.lanes {
            let chain = await facts.nonces(of: lane.sender)
            let lease = leases[lane.sender]
            let stuck = lane.oldestUnfinishedAt.map { now.timeIntervalSince($0) > Double(stuckAfter.components.seconds) } ?? false
            lanes.append(
                .init(
                    sender: lane.sender.checksummed, nextNonce: lane.nextNonce.value, unfinished: lane.unfinished,
                    lowestUnfinishedNonce: lane.lowestUnfinishedNonce?.value, highestUnfinishedNonce: lane.highestUnfinishedNonce?.value,
                    gaps: chain?.gaps, stuck: stuck, oldestUnfinished: lane.oldestUnfinishedAt.map { TimeView($0, now: now) },
                    chainLatestNonce: chain?.latest?.value, chainPendingNonce: chain?.pending?.value,
                    chainCheckedAge: chain.map { TimeText.age(of: $0.checkedAt, now: now) }, chainProblem: chain?.problem,
                    leaseOwner: lease?.owner, leaseExpires: lease.map { TimeView($0.expiresAt, now: now) },
                    leaseExpired: lease?.isExpired ?? false))
        }
        let owners = try await partitionOwners(leases)
        var partitions: [OverviewView.Partition] = []
        for offset in try await store.partitionOffsets() {
            let mark = await facts.watermark(topic: offset.topic, partition: offset.partition)
            partitions.append(
                .init(
                    group: offset.group, topic: offset.topic, partition: offset.partition, storedOffset: offset.nextOffset,
                    highWatermark: mark?.high, lag: mark.map { max(0, $0.high - offset.nextOffset) },
                    watermarkAge: mark.map { TimeText.age(of: $0.checkedAt, now: now) },
                    owners: owners["\(offset.topic)/\(offset.partition)"] ?? "none holding unfinished work"))
        }
        let lanesRead = "lanes read from the store \(TimeText.age(of: snapshot.readAt, now: now)) (every 5 s)"
        let chainNote = await facts.hasChain
            ? "\(lanesRead); chain nonces are polled in the background, each shows when it was asked"
            : "\(lanesRead); no chain poll in this process: chain nonces are not shown"
        return OverviewView(
            generated: TimeView(now, now: now), passed: counts.passed, failed: counts.failed, unfinished: counts.unfinished,
            total: counts.total,
            counts: Self.order.map { .init(status: $0.rawValue, count: counts[$0], statusClass: StatusStyle.kind($0)) },
            byStatus: Dictionary(uniqueKeysWithValues: Self.order.map { ($0.rawValue, counts[$0]) }), rates: rates,
            storedInLast: Dictionary(uniqueKeysWithValues: rates.map { (String($0.minutes), $0.stored) }), oldestUnfinished: oldest.map { RowView($0, now: now) }, lanes: lanes, partitions: partitions,
            chainNote: chainNote)
    }

    /// The statuses in the order a request passes them.
    static let order: [TransactionStatus] = [.signed, .retrying, .unknown, .submitted, .replaced, .mined, .confirmed, .reverted, .failed]

    /// Owners per "topic/partition", from the leases of the senders with unfinished work there.
    private func partitionOwners(_ leases: [Address: LeaseInfo]) async throws -> [String: String] {
        var owners: [String: Set<String>] = [:]
        for entry in try await store.unfinishedSendersByPartition() {
            let key = "\(entry.topic)/\(entry.partition)"
            if let lease = leases[entry.sender], !lease.isExpired {
                owners[key, default: []].insert(lease.owner)
            } else {
                owners[key, default: []].insert("nobody (lease free)")
            }
        }
        return owners.mapValues { $0.sorted().joined(separator: ", ") }
    }
}
