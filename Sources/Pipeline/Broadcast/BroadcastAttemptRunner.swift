import BroadcastModel
import ChainRPC
import EVMPrimitives
import Foundation
import Logging
import StatusStore

/// Makes one broadcast attempt of a stored transaction: sends its signed bytes, classifies
/// the answer, stores the attempt with the status it leads to, logs and publishes the change.
struct BroadcastAttemptRunner: Sendable {
    /// What the broadcaster does with the record afterwards.
    enum Next: Sendable {
        /// Final (broadcast or failed): nothing more to do.
        case done
        /// Try again after `delay`, with this (updated) record.
        case retry(after: Duration, TransactionRecord)
        /// Cancelled by shutdown before the attempt could be stored; the store still has the
        /// record as it was, for the next process.
        case abandoned
    }

    let rpc: ChainRPCClient
    let store: any StatusStore
    let policy: RetryPolicy
    let publisher: any StatusPublisher
    let metrics: WorkerMetrics
    let logger: Logger

    func attempt(_ record: TransactionRecord) async -> Next {
        let number = record.attempts + 1
        let startedAt = Date()
        let (outcome, endpoint) = await send(record)
        // A call cut short by shutdown says nothing about the transaction.
        if Task.isCancelled { return .abandoned }

        var random = SystemRandomNumberGenerator()
        let verdict = AttemptVerdict.decide(outcome, attempt: number, policy: policy, random: &random)
        // A final failure records why the worker gave up (which quotes the node), so the
        // store, the results topic and GET say it, not only the log.
        let error: String? = if case .failed(let reason) = verdict { reason } else { outcome.errorMessage }
        let attempt = BroadcastAttempt(
            requestID: record.id, number: number, startedAt: startedAt, finishedAt: Date(),
            outcome: outcome.attemptOutcome, endpoint: endpoint, error: error)
        let nextAttemptAt: Date? =
            if case .retry(let delay, _) = verdict { attempt.finishedAt.addingTimeInterval(delay.timeInterval) } else { nil }

        let updated: TransactionRecord
        do {
            updated = try await store.recordAttempt(attempt, status: verdict.status, nextAttemptAt: nextAttemptAt)
        } catch {
            return await unrecorded(record, attempt: number, error: error)
        }
        log(verdict, of: updated)
        publisher.publish(StatusEvent(record: updated, at: attempt.finishedAt))
        if case .retry(let delay, _) = verdict {
            metrics.retry(stage: "broadcast", class: outcome.errorClass)
            return .retry(after: delay, updated)
        }
        return .done
    }

    /// After the store refused an attempt: another process may have finished the request or
    /// recorded the same attempt number (both work from one file), or the store is failing.
    /// The stored record decides; unrecorded, the attempt is simply made again later (same
    /// bytes: the node says it already has them if this one landed).
    private func unrecorded(_ record: TransactionRecord, attempt number: Int, error: any Error) async -> Next {
        let stored = try? await store.record(record.id)
        if let stored, stored.status.isFinal {
            logger.info(
                "request finished elsewhere; dropping this attempt",
                metadata: ["request_id": "\(record.id)", "status": "\(stored.status)", "attempt": "\(number)"])
            return .done
        }
        if let error = error as? StatusStoreError, error.code == .duplicateAttempt {
            // Another process resumed the same request (a partition handover) and stored this
            // attempt number first; carry on from its record.
            logger.info(
                "attempt recorded by another process; continuing from the stored record",
                metadata: ["request_id": "\(record.id)", "attempt": "\(number)", "status": "\(stored?.status.rawValue ?? "unknown")"])
            return .retry(after: policy.initialDelay, stored ?? record)
        }
        logger.error(
            "could not store a broadcast attempt; will try again",
            metadata: ["request_id": "\(record.id)", "attempt": "\(number)", "error": "\(error)"])
        return .retry(after: policy.initialDelay, stored ?? record)
    }

    /// Sends the stored bytes; a "nonce too low" answer is settled by looking up our own hash.
    private func send(_ record: TransactionRecord) async -> (SendOutcome, endpoint: String?) {
        do throws(ChainRPCError) {
            let hash = try await rpc.sendRawTransaction(record.rawTransaction)
            if hash != record.hash {
                logger.warning(
                    "node answered a different hash than the stored one",
                    metadata: ["request_id": "\(record.id)", "stored_hash": "\(record.hash)", "node_hash": "\(hash)"])
            }
            return (.accepted, nil)
        } catch {
            guard error.action == .nonceTooLow else {
                return (SendOutcome(sendError: error), error.endpoint.description)
            }
            do throws(ChainRPCError) {
                let known = try await rpc.transaction(record.hash) != nil
                return (.nonceUsed(ownHashKnown: known, message: error.description), error.endpoint.description)
            } catch let lookupError {
                // Cannot tell whose transaction used the nonce yet: ask again later.
                return (.failed(.retryLater, message: "\(error.description); looking up our own hash failed: \(lookupError.description)"),
                        lookupError.endpoint.description)
            }
        }
    }

    private func log(_ verdict: AttemptVerdict, of record: TransactionRecord) {
        var metadata: Logger.Metadata = [
            "request_id": "\(record.id)", "status": "\(record.status)", "nonce": "\(record.nonce.value)",
            "hash": "\(record.hash)", "from": "\(record.request.from)", "attempts": "\(record.attempts)",
        ]
        switch verdict {
        case .broadcast:
            logger.info("transaction broadcast", metadata: metadata)
        case .retry(let delay, let reason):
            metadata["retry_in"] = "\(delay)"
            metadata["error"] = "\(reason)"
            logger.warning("broadcast attempt failed; retrying", metadata: metadata)
        case .failed(let reason):
            metadata["error"] = "\(reason)"
            logger.error("transaction failed", metadata: metadata)
        }
    }
}

extension Duration {
    /// Seconds, for `Date` arithmetic.
    var timeInterval: TimeInterval {
        let (seconds, attoseconds) = components
        return TimeInterval(seconds) + TimeInterval(attoseconds) / 1e18
    }
}
