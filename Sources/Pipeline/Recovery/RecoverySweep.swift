import BroadcastModel
import EVMPrimitives
import Foundation
import Logging
import StatusStore

/// Resumes accepted work that no process is finishing: at start everything `signed` or
/// `retrying` in the store (this host's processes share it), then, periodically, what has gone
/// stale, i.e. overdue by `staleAfter`: work of a process that died that no partition
/// assignment resumed (`IntakeLoop` resumes a partition's unfinished work when assigned it;
/// requests stored before the store knew their partition, or a failed read, are left here).
///
/// A record some live process is still working on may be picked up too (at our start, or when
/// that process is backlogged past `staleAfter`); that costs a duplicate send of the same
/// signed bytes, which the node answers with "already known". Leases in the store would avoid
/// it and are due with the multi-host store.
struct RecoverySweep: Sendable {
    let store: any StatusStore
    let broadcaster: Broadcaster
    /// Records read per pass.
    let limit: Int
    let interval: Duration
    let staleAfter: Duration
    let logger: Logger

    /// The start-up pass, then a sweep every `interval` until cancelled.
    func run() async {
        await pass(onlyStale: false)
        while (try? await Task.sleep(for: interval)) != nil {
            await pass(onlyStale: true)
        }
    }

    private func pass(onlyStale: Bool) async {
        let records: [TransactionRecord]
        do {
            records = try await store.unfinished(limit: limit)
        } catch {
            logger.error("cannot read unfinished requests from the store; will try again", metadata: ["error": "\(error)"])
            return
        }
        let cutoff = Date().addingTimeInterval(-staleAfter.timeInterval)
        let resumed = onlyStale ? records.filter { ($0.nextAttemptAt ?? $0.updatedAt) < cutoff } : records
        for record in resumed {
            logger.info(
                "resuming unfinished request",
                metadata: [
                    "request_id": "\(record.id)", "status": "\(record.status)", "nonce": "\(record.nonce.value)",
                    "hash": "\(record.hash)", "attempts": "\(record.attempts)",
                ])
            broadcaster.submit(record)
        }
        if !onlyStale || !resumed.isEmpty {
            logger.info(
                onlyStale ? "recovery sweep resumed stale requests" : "recovery pass done",
                metadata: ["resumed": "\(resumed.count)", "read": "\(records.count)"])
        }
    }
}
