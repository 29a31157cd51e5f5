import BroadcastModel
import EVMPrimitives
import Foundation
import Kafka
import Logging
import StatusStore

/// Takes consumed events in batches and records each batch in one store transaction (dedupe,
/// nonce, signature, offset), then hands what needs broadcasting to the broadcaster.
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
    let topic: String
    let batchSize: Int
    /// Most unfinished records resumed on one assignment.
    let recoveryLimit: Int
    /// Pause before retrying a batch the store could not record.
    let storeRetryDelay: Duration
    let logger: Logger

    /// Runs until the buffer ends or the task is cancelled.
    func run(_ buffer: EventBuffer<KafkaConsumerEvent>, reconciler: NonceReconciler) async {
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
                    logger.info("partitions assigned", metadata: ["topic": "\(topic)", "partitions": "\(partitions)"])
                case .revoked(let partitions, let topic) where topic == self.topic:
                    revoked.formUnion(partitions)
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

    /// Records one batch, retrying while the store fails; throws only when cancelled.
    private func record(_ batch: [KafkaMessage], reconciler: inout NonceReconciler) async throws {
        var consumed: [ConsumedMessage] = []
        consumed.reserveCapacity(batch.count)
        for message in batch {
            let (entry, problem) = decoder.decode(message)
            if let problem {
                logger.error(
                    "skipping an unusable message",
                    metadata: ["partition": "\(message.partition)", "offset": "\(message.offset)", "reason": "\(problem)"])
            }
            consumed.append(entry)
        }
        try await reconciler.ensure(Set(consumed.compactMap { $0.request?.from }))

        var results: [IntakeResult]
        while true {
            do {
                results = try await store.intake(consumed, sign: signer.sign)
                break
            } catch {
                try Task.checkCancellation()
                logger.error(
                    "cannot record consumed requests in the store; retrying",
                    metadata: ["messages": "\(consumed.count)", "retry_in": "\(storeRetryDelay)", "error": "\(error)"])
                try await Task.sleep(for: storeRetryDelay)
            }
        }
        for result in results { dispatch(result) }
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
        case .skipped:
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
