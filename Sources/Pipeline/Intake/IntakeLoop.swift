import BroadcastModel
import EVMPrimitives
import Foundation
import Kafka
import Logging
import StatusStore

/// Takes consumed events in batches and records each batch in one store transaction (dedupe,
/// nonce, signature, offset), then hands what needs broadcasting to the broadcaster.
///
/// One bad message never stops the others: a message that is not a strict request, fails this
/// worker's ``Admission``, or that the store refuses (an unknown `retry_of`) goes to the
/// dead-letter topic and the batch goes on; its offset is stored as consumed only once the
/// dead letter is acknowledged. Only a failing store (lock, disk) is retried, a bounded number
/// of times.
///
/// Revocation: messages of a partition revoked from this process that are still buffered are
/// dropped unread (their offsets were not stored, so the partition's new owner reads them from
/// the store's offsets). What this process already stored it keeps broadcasting: a record
/// belongs to the store, not to a partition. On assignment, the unfinished records consumed
/// from the assigned partitions are resumed here too, since a previous owner killed mid-work
/// leaves them behind and the new owner starts after their offsets.
struct IntakeLoop: Sendable {
    let store: any StatusStore
    let decoder: MessageDecoder
    let signer: RequestSigner
    let broadcaster: Broadcaster
    let publisher: any StatusPublisher
    let deadLetters: DeadLetterSender
    let assignment: AssignedPartitions
    let metrics: WorkerMetrics
    let topic: String
    let batchSize: Int
    /// Most unfinished records resumed on one assignment.
    let recoveryLimit: Int
    /// How a batch the store could not record for a transient reason (lock, disk) is retried;
    /// past its last attempt intake stops.
    let storeRetry: RetryPolicy
    let logger: Logger

    /// Runs until the buffer ends or the task is cancelled; throws ``IntakeStopped`` when the
    /// store fails in a way intake cannot get past (the worker then exits).
    func run(_ buffer: EventBuffer<KafkaConsumerEvent>, reconciler: NonceReconciler) async throws {
        var reconciler = reconciler
        await reconciler.tryOnce(signer.signers.keys)
        var revoked: Set<Int32> = []
        while !Task.isCancelled, let events = await buffer.take(upTo: batchSize) {
            var batch: [KafkaMessage] = []
            var assigned: [Int32] = []
            for event in events {
                switch event {
                case .message(let message):
                    if message.topic == topic && !revoked.contains(message.partition) { batch.append(message) }
                case .assigned(let partitions, let topic) where topic == self.topic:
                    revoked.subtract(partitions)
                    assigned.append(contentsOf: partitions)
                    assignment.assigned(partitions)
                    logger.info("partitions assigned", metadata: ["topic": "\(topic)", "partitions": "\(partitions)"])
                case .revoked(let partitions, let topic) where topic == self.topic:
                    revoked.formUnion(partitions)
                    assignment.revoked(partitions)
                    logger.info("partitions revoked", metadata: ["topic": "\(topic)", "partitions": "\(partitions)"])
                case .assigned, .revoked:
                    break
                }
            }
            // Before the partitions' new messages, so a sender's older nonces go out first.
            if !assigned.isEmpty { await resumeUnfinished(of: assigned) }
            guard !batch.isEmpty else { continue }
            do {
                try await record(batch, reconciler: &reconciler)
            } catch let stopped as IntakeStopped {
                throw stopped
            } catch {
                return  // cancelled
            }
        }
    }

    /// Resumes what was consumed from newly assigned partitions but not finished: their
    /// previous owner may have died with it, and this process starts after the stored offsets,
    /// so it would never see those requests again. Records also held by a live process cost a
    /// duplicate send of the same bytes; the broadcaster ignores ids it already holds.
    private func resumeUnfinished(of partitions: [Int32]) async {
        let records: [TransactionRecord]
        do {
            records = try await store.unfinished(topic: topic, partitions: partitions, limit: recoveryLimit)
        } catch {
            // The periodic recovery sweep picks them up once stale.
            logger.error(
                "cannot read the unfinished requests of assigned partitions; the recovery sweep will resume them",
                metadata: ["partitions": "\(partitions)", "error": "\(error)"])
            return
        }
        for record in records { broadcaster.submit(record) }
        logger.info(
            "resuming unfinished requests of assigned partitions",
            metadata: ["topic": "\(topic)", "partitions": "\(partitions)", "resumed": "\(records.count)"])
    }

    /// Records one batch: what cannot be processed goes to the dead-letter topic, and each
    /// message's offset is stored as consumed only once its dead letter is acknowledged.
    /// Throws when cancelled, or ``IntakeStopped``.
    private func record(_ batch: [KafkaMessage], reconciler: inout NonceReconciler) async throws {
        var consumed: [ConsumedMessage] = []
        var unusable: [DeadLetter] = []
        consumed.reserveCapacity(batch.count)
        for message in batch {
            let (entry, problem) = decoder.decode(message)
            if let problem { unusable.append(DeadLetter(message: message, reason: problem, group: decoder.group)) }
            consumed.append(entry)
        }
        // Acknowledged before the intake below stores their offsets.
        try await deadLetters.send(unusable)
        try await reconciler.ensure(Set(consumed.compactMap { $0.request?.from }))

        let results = try await intake(consumed)
        var refused: [DeadLetter] = []
        for (message, result) in zip(batch, results) {
            if case .refused(let refusal) = result {
                refused.append(
                    DeadLetter(
                        message: message, reason: DeadLetterReason(code: refusal.kind.rawValue, text: refusal.reason),
                        group: decoder.group))
            } else {
                dispatch(result)
            }
        }
        guard !refused.isEmpty else { return }
        // The store held these partitions' offsets at the refused messages; once their dead
        // letters are acknowledged, the offsets may move past them.
        try await deadLetters.send(refused)
        let held = Set(refused.map(\.message.partition))
        let release = consumed.filter { held.contains($0.position.partition) }.map {
            ConsumedMessage(request: nil, position: $0.position)
        }
        _ = try await intake(release)
    }

    /// One store intake, retried with backoff while the store fails transiently (busy, disk);
    /// ``IntakeStopped`` once retries are exhausted or the failure is not transient.
    private func intake(_ consumed: [ConsumedMessage]) async throws -> [IntakeResult] {
        var random = SystemRandomNumberGenerator()
        var attempt = 0
        while true {
            attempt += 1
            let error: any Error
            do {
                let results = try await store.intake(consumed, sign: signer.sign)
                guard results.count == consumed.count else {
                    throw IntakeStopped(
                        "the status store answered \(results.count) results for \(consumed.count) consumed messages; this build's store is broken")
                }
                return results
            } catch let stopped as IntakeStopped {
                throw stopped
            } catch let failure {
                error = failure
            }
            try Task.checkCancellation()
            guard let storeError = error as? StatusStoreError, storeError.isTransient else {
                throw IntakeStopped(
                    "the status store refused a batch of \(consumed.count) consumed messages for a reason retrying cannot fix: \(error). Intake stops and the worker exits rather than skip them; nothing of the batch was stored, so the next start reads it again")
            }
            guard let delay = storeRetry.delay(afterAttempt: attempt, using: &random) else {
                throw IntakeStopped(
                    "the status store failed \(attempt) times in a row: \(storeError). Intake stops and the worker exits, so that a supervisor restarts it and the failure is seen; nothing of the batch was stored, so the next start reads it again")
            }
            metrics.retry(stage: "store", class: storeError.code.description)
            logger.warning(
                "cannot record consumed requests in the store; retrying",
                metadata: [
                    "messages": "\(consumed.count)", "attempt": "\(attempt)", "retry_in": "\(delay)", "error": "\(storeError)",
                ])
            try await Task.sleep(for: delay)
        }
    }

    private func dispatch(_ result: IntakeResult) {
        switch result {
        case .new(let record):
            logger.info("transaction signed", metadata: metadata(of: record))
            publisher.publish(StatusEvent(record: record, at: record.createdAt))
            broadcaster.submit(record)
        case .existing(let record) where record.status.isFinal:
            logger.info("duplicate request already finished; skipped", metadata: metadata(of: record))
        case .existing(let record):
            // Signed before (a replay, or a duplicate message): resend the same bytes.
            logger.info("duplicate request not finished; resuming its broadcast", metadata: metadata(of: record))
            broadcaster.submit(record)
        case .skipped, .refused:
            break
        }
    }

    private func metadata(of record: TransactionRecord) -> Logger.Metadata {
        [
            "request_id": "\(record.id)", "status": "\(record.status)", "nonce": "\(record.nonce.value)",
            "hash": "\(record.hash)", "from": "\(record.request.from)",
        ]
    }
}

/// Intake cannot go on: the store failed for good, or for longer than its retries. The worker
/// exits with this, so that a supervisor restarts it and an operator sees why.
struct IntakeStopped: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
