import BroadcastModel
import Foundation
import Logging
import ServiceLifecycle
import StatusStore

/// Runs the started bulk retries of the store in the admin process, `itemsAtOnce` items at a
/// time (each item's chain check waits on the node, 20-30 s a call on the mission's node, so one
/// at a time would take hours for a thousand); after a restart it resumes those still running.
/// Each item is a `confirm` with a click key derived from the operation and the request, so a
/// resumed run names the retry it may already have made and never makes a second one. An
/// operator's cancel is seen between batches: the items already in flight finish.
///
/// A failure that may pass (the node, the broker or the store did not answer) is not a result:
/// the item stays pending and its operation pauses for `pauseAfterFailure`, so a node that is
/// down is not asked again every pass.
public struct BulkRetryRunner: Service {
    let desk: RetryDesk
    /// How often the store is asked for started operations.
    let pollInterval: Duration
    let pauseAfterFailure: Duration
    let itemsAtOnce: Int
    let logger: Logger

    public init(
        desk: RetryDesk, pollInterval: Duration = .seconds(1), pauseAfterFailure: Duration = .seconds(10), itemsAtOnce: Int = 16,
        logger: Logger
    ) {
        self.desk = desk
        self.pollInterval = pollInterval
        self.pauseAfterFailure = pauseAfterFailure
        self.itemsAtOnce = max(1, itemsAtOnce)
        self.logger = logger
    }

    public func run() async throws {
        var pausedUntil: [Int64: ContinuousClock.Instant] = [:]
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            await runStartedOperations(pausedUntil: &pausedUntil)
            try? await Task.sleep(for: pollInterval)
        }
    }

    /// One pass: every running operation not paused, until it finishes, is cancelled, or meets
    /// a failure that may pass (then it is paused).
    func runStartedOperations(pausedUntil: inout [Int64: ContinuousClock.Instant]) async {
        let running: [BulkRetryRecord]
        do {
            running = try await desk.store.bulkRetries(in: .running)
        } catch {
            logger.warning("cannot read the started bulk retries: \(error); trying again in \(pollInterval)")
            return
        }
        let now = ContinuousClock.now
        pausedUntil = pausedUntil.filter { $0.value > now }
        for operation in running where pausedUntil[operation.id] == nil {
            guard !Task.isCancelled && !Task.isShuttingDownGracefully else { return }
            if await !run(operation) { pausedUntil[operation.id] = ContinuousClock.now + pauseAfterFailure }
        }
    }

    /// Runs `operation` until no item is pending or it is not running any more (true), or a
    /// failure that may pass stops it (false).
    private func run(_ operation: BulkRetryRecord) async -> Bool {
        let id = BulkRetryID(operation.id)
        let user = operation.startedBy ?? operation.createdBy
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            let batch: [RequestID]
            do {
                // Cancelled between batches: read the state before each one.
                guard try await desk.store.bulkRetry(operation.id)?.state == .running else { return true }
                batch = try await desk.store.pendingBulkRetryItems(operation.id, limit: itemsAtOnce)
            } catch {
                logger.warning("bulk retry \(id) paused: the status store did not answer (\(error))")
                return false
            }
            guard !batch.isEmpty else {
                await finish(id, by: user)
                return true
            }
            let actor = RetryDesk.Operator(user: user, action: .bulkRetry, reason: operation.reason, details: ["operation": id.description])
            let outcomes = await withTaskGroup(of: (RequestID, Result<RetryOutcome, RetryRefusal>).self) { group in
                for request in batch {
                    group.addTask { [desk] in (request, await desk.retry(request, clickKey: .bulk(operation: id, request: request), as: actor)) }
                }
                var outcomes: [(RequestID, Result<RetryOutcome, RetryRefusal>)] = []
                for await outcome in group { outcomes.append(outcome) }
                return outcomes
            }
            var mayPass: RetryRefusal?
            for (request, outcome) in outcomes {
                guard let (result, audit) = itemResult(of: outcome, request: request, operation: operation, user: user) else {
                    if case .failure(let refusal) = outcome { mayPass = refusal }
                    continue
                }
                do {
                    _ = try await desk.store.recordBulkRetryItem(operation.id, request: request, result: result, audit: audit)
                } catch {
                    logger.warning("bulk retry \(id) paused: the result of request \(request) was not stored (\(error))")
                    return false
                }
            }
            if let mayPass {
                logger.warning("bulk retry \(id) paused for \(pauseAfterFailure): \(mayPass.message)")
                return false
            }
        }
        return true
    }

    /// What an item's outcome stores, nil for a failure that may pass (the item stays pending).
    private func itemResult(
        of outcome: Result<RetryOutcome, RetryRefusal>, request: RequestID, operation: BulkRetryRecord, user: String
    ) -> (BulkRetryItemResult, AuditEntry?)? {
        let id = BulkRetryID(operation.id)
        let result: BulkRetryItemResult
        var audit: AuditEntry?
        switch outcome {
        case .success(let retried):
            result = .retried(retried.retry)
            if retried.repeated {
                // The link's entry was written when the retry was made; this notes the resumed item.
                audit = AuditEntry(
                    user: user, action: .bulkRetry, requestID: request, reason: operation.reason,
                    details: ["operation": id.description, "retried_as": retried.retry.description, "resumed": "true"])
            }
        case .failure(let refusal) where refusal.mayPass:
            return nil
        case .failure(let refusal):
            result = .refused(refusal.message)
            audit = AuditEntry(
                user: user, action: .bulkRetry, requestID: request, reason: operation.reason,
                details: ["operation": id.description, "refused": refusal.message])
        }
        return (result, audit)
    }

    private func finish(_ id: BulkRetryID, by user: String) async {
        let entry = AuditEntry(user: user, action: .bulkRetry, details: ["step": "finish", "operation": id.description])
        do {
            _ = try await desk.store.moveBulkRetry(id.value, from: [.running], to: .finished, startedBy: nil, audit: entry)
        } catch {
            logger.warning("bulk retry \(id) has no pending item but was not marked finished (\(error)); the next pass tries again")
        }
    }
}

extension RetryRefusal {
    /// A refusal that says nothing about the request: the same retry may succeed later.
    var mayPass: Bool {
        switch reason {
        case .chainUnavailable, .notAcknowledged, .storeUnavailable: true
        case .unknownRequest, .notFailed, .alreadyRetried, .mined, .nonceOpen, .notAdmitted: false
        }
    }
}
