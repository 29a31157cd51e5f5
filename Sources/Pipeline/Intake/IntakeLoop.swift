import BroadcastModel
import EVMPrimitives
import Foundation
import Kafka
import Lifecycle
import Logging
import StatusStore

/// Takes consumed events in batches and records each batch in one store transaction (dedupe,
/// nonce, the original version signed with fees from the chain, offset), under the leases of
/// the batch's senders, then hands the new requests to their senders' lanes.
///
/// One bad message never stops the others: a message that is not a strict request, fails this
/// worker's ``Admission``, or that the store refuses (an unknown `retry_of`) goes to the
/// dead-letter topic and the batch goes on; its offset is stored as consumed only once the
/// dead letter is acknowledged. Only a failing store (lock, disk) is retried, a bounded number
/// of times.
///
/// Back-pressure: while more than `maxUnsent` stored requests have not reached any node (a
/// send a node is being handed has; one refused or still waiting for a connection has not), no
/// new batch is taken (the consumer pauses fetching once its buffer is full; Kafka keeps the
/// rest). Partitions assigned and revoked go to the lane supervisor, which takes over or hands
/// over their senders.
struct IntakeLoop: Sendable {
    let store: any StatusStore
    let decoder: MessageDecoder
    let signer: VersionSigner
    let policy: LifecyclePolicy
    let supervisor: LaneSupervisor
    let deadLetters: DeadLetterSender
    /// What the consumer holds now, ahead of the events this loop has taken.
    let consumerAssignment: ConsumerAssignment
    let metrics: WorkerMetrics
    let topic: String
    let batchSize: Int
    let maxUnsent: Int
    let leaseWaitDelay: Duration
    /// How a batch the store could not record for a transient reason (lock, disk) is retried;
    /// past its last attempt intake stops.
    let storeRetry: BoundedRetry
    let logger: Logger

    /// Runs until the buffer ends or the task is cancelled; throws ``IntakeStopped`` when the
    /// store fails in a way intake cannot get past (the worker then exits).
    func run(_ buffer: EventBuffer<KafkaConsumerEvent>) async throws {
        var revoked: Set<Int32> = []
        while !Task.isCancelled, let events = await buffer.take(upTo: batchSize) {
            var batch: [KafkaMessage] = []
            for event in events {
                switch event {
                case .message(let message):
                    if message.topic == topic && !revoked.contains(message.partition) { batch.append(message) }
                case .assigned(let partitions, let topic) where topic == self.topic:
                    revoked.subtract(partitions)
                    logger.info("partitions assigned", metadata: ["topic": "\(topic)", "partitions": "\(partitions)"])
                    await supervisor.assigned(partitions, of: topic)
                case .revoked(let partitions, let topic) where topic == self.topic:
                    revoked.formUnion(partitions)
                    logger.info("partitions revoked", metadata: ["topic": "\(topic)", "partitions": "\(partitions)"])
                    await supervisor.revoked(partitions, of: topic)
                case .assigned, .revoked:
                    break
                }
            }
            guard !batch.isEmpty else { continue }
            do {
                try await record(batch)
            } catch let stopped as IntakeStopped {
                throw stopped
            } catch {
                return  // cancelled
            }
        }
    }

    /// Records one batch: what cannot be processed goes to the dead-letter topic, and each
    /// message's offset is stored as consumed only once its dead letter is acknowledged.
    /// Throws when cancelled, or ``IntakeStopped``.
    private func record(_ taken: [KafkaMessage]) async throws {
        var batch = taken
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
        try await waitForRoom()

        let results: [IntakeResult]
        while true {
            do {
                results = try await intake(consumed)
                break
            } catch let moved as PartitionMoved {
                // Not ours any more: its new owner reads these messages from the stored offset.
                logger.info(
                    "a partition moved while intake waited for a sender's lease; its messages are left to its new owner",
                    metadata: ["partition": "\(moved.partition)", "from": "\(moved.sender)"])
                let kept = consumed.indices.filter { consumed[$0].position.partition != moved.partition }
                batch = kept.map { batch[$0] }
                consumed = kept.map { consumed[$0] }
                guard !consumed.isEmpty else { return }
            }
        }
        var refused: [DeadLetter] = []
        for (message, result) in zip(batch, results) {
            switch result {
            case .new(let stored):
                logger.info("transaction signed", metadata: metadata(of: stored))
                await supervisor.hand(stored)
            case .existing(let stored) where stored.status.isFinal:
                logger.info("duplicate request already finished; skipped", metadata: metadata(of: stored))
            case .existing(let stored):
                logger.info("duplicate request not finished; its lane works it", metadata: metadata(of: stored))
                await supervisor.hand(stored)
            case .refused(let refusal):
                refused.append(
                    DeadLetter(message: message, reason: DeadLetterReason(code: refusal.kind.rawValue, text: refusal.reason), group: decoder.group))
            case .skipped:
                break
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

    /// Waits while too many stored requests have not reached a node.
    private func waitForRoom() async throws {
        var logged = false
        while await supervisor.unsentCount() > maxUnsent {
            if !logged {
                logger.warning(
                    "intake paused: too many requests not yet taken by a node (worker.maxUnsent); Kafka keeps the rest",
                    metadata: ["max_unsent": "\(maxUnsent)"])
                logged = true
            }
            try await Task.sleep(for: .milliseconds(200))
        }
        if logged { logger.info("intake resumed") }
    }

    /// One store intake under the senders' leases, retried with backoff while the store fails
    /// transiently (busy, disk) or a lease moved; ``IntakeStopped`` once retries are exhausted
    /// or the failure is not transient.
    private func intake(_ consumed: [ConsumedMessage]) async throws -> [IntakeResult] {
        var random = SystemRandomNumberGenerator()
        var attempt = 0
        while true {
            attempt += 1
            let fences = try await leases(for: consumed)
            let market = try await currentMarket()
            let now = Date()
            let signer = signer, fees = policy.fees.initial(for: market)
            let error: any Error
            do {
                let results = try await store.intake(consumed, fences: fences, retryDeadline: policy.retry.deadline) { request, nonce in
                    try signer.sign(request, nonce: nonce, number: 1, kind: .original, fees: fees, at: now)
                }
                guard results.count == consumed.count else {
                    throw IntakeStopped(
                        "the status store answered \(results.count) results for \(consumed.count) consumed messages; this build's store is broken")
                }
                return results
            } catch let stopped as IntakeStopped {
                throw stopped
            } catch let storeError as StatusStoreError where storeError.code == .fenced {
                // A lane lost its lease between our asking and the write: ask again.
                logger.warning("a sender's lease moved during intake; taking it again", metadata: ["error": "\(storeError)"])
                try await Task.sleep(for: leaseWaitDelay)
                continue
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

    /// The lease of every sender in `consumed`, waiting while another worker holds one (it
    /// releases it when its partition moves; a dead one's expires).
    private func leases(for consumed: [ConsumedMessage]) async throws -> [Address: LeaseFence] {
        var positions: [Address: ConsumedPosition] = [:]
        for message in consumed {
            if let sender = message.request?.from, positions[sender] == nil { positions[sender] = message.position }
        }
        var fences: [Address: LeaseFence] = [:]
        var waiting = Set(positions.keys)
        var logged: Set<Address> = []
        while true {
            // Asked together: a new sender's lane reads its nonce from the node before it
            // answers (20-30 s a call), so a batch of new senders one after another took minutes.
            let supervisor = supervisor
            let answers = await withTaskGroup(of: (Address, LeaseFence?).self) { group in
                for sender in waiting {
                    guard let position = positions[sender] else { continue }
                    group.addTask { (sender, await supervisor.fence(for: sender, topic: position.topic, partition: position.partition)) }
                }
                var answers: [(Address, LeaseFence?)] = []
                for await answer in group { answers.append(answer) }
                return answers
            }
            for case (let sender, let fence?) in answers {
                fences[sender] = fence
                waiting.remove(sender)
            }
            guard !waiting.isEmpty else { return fences }
            for sender in waiting.sorted(by: { $0.checksummed < $1.checksummed }) {
                guard let position = positions[sender] else { continue }
                guard consumerAssignment.holds(topic: position.topic, partition: position.partition) else {
                    throw PartitionMoved(partition: position.partition, sender: sender)
                }
                if logged.insert(sender).inserted {
                    logger.info("waiting for the sender's lease before taking its requests", metadata: ["from": "\(sender)"])
                }
            }
            try await Task.sleep(for: leaseWaitDelay)
        }
    }

    /// The fees the chain asks for, once the chain watcher has read them.
    private func currentMarket() async throws -> MarketFees {
        var logged = false
        while true {
            if let market = await supervisor.market { return market }
            if !logged {
                logger.info("waiting for the chain's fees before signing")
                logged = true
            }
            try await Task.sleep(for: .milliseconds(200))
        }
    }

    private func metadata(of stored: StoredRequest) -> Logger.Metadata {
        [
            "request_id": "\(stored.id)", "status": "\(stored.status)", "nonce": "\(stored.lifecycle.nonce)",
            "hash": "\(stored.lifecycle.currentHash)", "from": "\(stored.request.from)",
        ]
    }
}

/// Intake cannot go on: the store failed for good, or for longer than its retries. The worker
/// exits with this, so that a supervisor restarts it and an operator sees why.
struct IntakeStopped: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// The partition of a message in the batch was revoked while intake waited for its sender's
/// lease.
private struct PartitionMoved: Error {
    let partition: Int32
    let sender: Address
}
