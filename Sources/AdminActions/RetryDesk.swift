import Admission
import BroadcastModel
import EVMPrimitives
import Foundation
import Logging
import RequestTopic
import StatusStore

/// The dashboard's retries: a failed request becomes a new request, linked to it, produced
/// through the API's path (acknowledged by the broker) after a fresh check of the chain and a
/// compare-and-set on "failed and not retried yet". It never writes a transaction's status.
public struct RetryDesk: RetryActions {
    let store: any StatusStore & BulkRetryStore
    let check: ChainCheck
    let admission: Admission
    let producer: RequestProducer
    let now: @Sendable () -> Date
    let logger: Logger
    let ledger = ClickLedger()

    /// - Parameter chainCallTimeout: the most any one call of the chain check may take.
    public init(
        store: any StatusStore & BulkRetryStore, chain: any RetryChain, chainCallTimeout: Duration, admission: Admission,
        producer: RequestProducer, logger: Logger, now: @escaping @Sendable () -> Date = Date.init
    ) {
        self.store = store
        self.check = ChainCheck(chain: chain, callTimeout: chainCallTimeout)
        self.admission = admission
        self.producer = producer
        self.logger = logger
        self.now = now
    }

    // MARK: One request

    public func preview(_ id: RequestID) async -> RetryPreview {
        let stored: StoredRequest
        switch await eligible(id) {
        case .success(let found): stored = found
        case .failure(let refusal): return RetryPreview(request: refusal.request, verdict: .refused(refusal.refusal), clickKey: nil)
        }
        let evidence: ChainEvidence
        switch await check.run(stored, at: now()) {
        case .success(let found): evidence = found
        case .failure(let refusal): return RetryPreview(request: stored, verdict: .refused(refusal), clickKey: nil)
        }
        if let refusal = admitted(retryRequest(of: stored, as: RequestID())) {
            return RetryPreview(request: stored, verdict: .refused(refusal), clickKey: nil)
        }
        return RetryPreview(request: stored, verdict: .allowed(evidence), clickKey: .random())
    }

    public func confirm(_ id: RequestID, clickKey: RetryClickKey, by user: String, reason: String?) async -> Result<RetryOutcome, RetryRefusal> {
        await retry(id, clickKey: clickKey, as: Operator(user: user, action: .retry, reason: reason, details: [:]))
    }

    /// Who retries, and what the audit entry of the link says.
    struct Operator: Sendable {
        var user: String
        var action: AuditAction
        var reason: String?
        var details: [String: String]
    }

    func retry(_ id: RequestID, clickKey: RetryClickKey, as actor: Operator) async -> Result<RetryOutcome, RetryRefusal> {
        guard !actor.user.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            return .failure(RetryRefusal(.storeUnavailable, "a retry needs the signed-in user for its audit entry; nothing was retried"))
        }
        let retryID = RequestID.retry(of: id, clickKey: clickKey)
        await ledger.acquire(retryID)
        let outcome = await retryOnce(id, retryID: retryID, as: actor)
        await ledger.release(retryID)
        return outcome
    }

    private func retryOnce(_ id: RequestID, retryID: RequestID, as actor: Operator) async -> Result<RetryOutcome, RetryRefusal> {
        let stored: StoredRequest
        switch await eligible(id) {
        case .success(let found): stored = found
        case .failure(let refusal):
            guard case .alreadyRetried(let linked) = refusal.refusal.reason, let original = refusal.request else { return .failure(refusal.refusal) }
            // This click made the retry already (a double submit, or a produce that was not
            // acknowledged): produce it again unless it is known to be on the topic.
            if linked == retryID { return await complete(original, as: retryID, repeated: true) }
            await completeLinked(original, as: linked)
            return .failure(refusal.refusal)
        }
        let evidence: ChainEvidence
        switch await check.run(stored, at: now()) {
        case .success(let found): evidence = found
        case .failure(let refusal): return .failure(refusal)
        }
        if let refusal = admitted(retryRequest(of: stored, as: retryID)) { return .failure(refusal) }
        var details = actor.details
        details["retried_as"] = retryID.description
        details["chain_latest_nonce"] = String(evidence.chainLatestNonce.value)
        let entry = AuditEntry(user: actor.user, action: actor.action, requestID: id, reason: actor.reason, details: details)
        do {
            _ = try await store.markRetried(original: id, as: retryID, audit: entry)
        } catch let error as StatusStoreError where error.code == .alreadyRetried {
            // Another confirmation won the compare-and-set meanwhile (another process, or
            // another operator's key).
            switch await retriedAs(id) {
            case .success(let winner?) where winner == retryID: return await complete(stored, as: retryID, repeated: true)
            case .success(let other?):
                await completeLinked(stored, as: other)
                return .failure(alreadyRetried(id, as: other))
            case .success(nil), .failure: return .failure(RetryRefusal(.storeUnavailable, "request \(id) could not be linked to its retry: \(error)"))
            }
        } catch let error as StatusStoreError where error.code == .notRetryable {
            return .failure(RetryRefusal(.notFailed(stored.status), error.description))
        } catch let error as StatusStoreError where error.code == .unknownRequest {
            return .failure(RetryRefusal(.unknownRequest, error.description))
        } catch {
            return .failure(storeFailure(error))
        }
        logger.notice(
            "\(actor.user) retried request \(id) as \(retryID)",
            metadata: ["request_id": "\(id)", "retry_id": "\(retryID)", "user": "\(actor.user)"])
        return await complete(stored, as: retryID, repeated: false)
    }

    /// Produces the linked retry and waits for the broker's acknowledgement.
    private func complete(_ original: StoredRequest, as retryID: RequestID, repeated: Bool) async -> Result<RetryOutcome, RetryRefusal> {
        let outcome = RetryOutcome(original: original.id, retry: retryID, repeated: repeated)
        if await ledger.wasAcknowledged(retryID) { return .success(outcome) }
        if (try? await store.request(retryID)) != nil {
            // A worker stored it: it is on the topic.
            await ledger.noteAcknowledged(retryID)
            return .success(outcome)
        }
        switch await producer.produce(retryRequest(of: original, as: retryID)) {
        case .success:
            await ledger.noteAcknowledged(retryID)
            return .success(outcome)
        case .failure(let failure):
            logger.warning(
                "the retry \(retryID) of request \(original.id) is linked but was not acknowledged: \(failure)",
                metadata: ["request_id": "\(original.id)", "retry_id": "\(retryID)"])
            return .failure(RetryRefusal(
                .notAcknowledged(retryID),
                "request \(original.id) is linked to its retry \(retryID), but the message queue did not acknowledge it (\(failure)), so it may or may not be queued. Press the same retry button again to complete it: it names the same request, which is broadcast at most once"))
        }
    }

    /// Another click's retry of `original`: if that click's produce was never acknowledged (its
    /// operator went away, a bulk retry was cancelled meanwhile), this click completes it, since
    /// it names the same request. Waits for that click if it is still running here.
    private func completeLinked(_ original: StoredRequest, as linked: RequestID) async {
        await ledger.acquire(linked)
        _ = await complete(original, as: linked, repeated: true)
        await ledger.release(linked)
    }

    /// The request as its retry: the same call from the same sender, a new id, linked back.
    func retryRequest(of original: StoredRequest, as retryID: RequestID) -> BroadcastRequest {
        let request = original.request
        return BroadcastRequest(
            id: retryID, messageType: request.messageType, function: request.function, data: request.data, to: request.to,
            from: request.from, acceptedAt: now(), retryOf: request.id)
    }

    private func admitted(_ request: BroadcastRequest) -> RetryRefusal? {
        do {
            try admission.recheck(request)
            return nil
        } catch {
            return RetryRefusal(
                .notAdmitted,
                "this configuration no longer admits request \(request.retryOf.map(\.description) ?? "") as it was sent (\(error)); a retry would be refused by the workers. Send a new request through the API instead")
        }
    }

    struct Ineligible: Error {
        var request: StoredRequest?
        var refusal: RetryRefusal
    }

    /// The stored request if it may be retried as far as the store knows: final failed or
    /// reverted and not retried. A retried one is refused with the request, so that the click
    /// that made the retry can complete it.
    func eligible(_ id: RequestID) async -> Result<StoredRequest, Ineligible> {
        let stored: StoredRequest
        do {
            guard let found = try await store.request(id) else {
                return .failure(Ineligible(request: nil, refusal: RetryRefusal(.unknownRequest, "request \(id) is not stored; check the id (a request appears once a worker took it)")))
            }
            stored = found
        } catch {
            return .failure(Ineligible(request: nil, refusal: storeFailure(error)))
        }
        switch await retriedAs(id) {
        case .failure(let refusal): return .failure(Ineligible(request: stored, refusal: refusal))
        case .success(let retry?): return .failure(Ineligible(request: stored, refusal: alreadyRetried(id, as: retry)))
        case .success(nil): break
        }
        guard stored.status.retryable else {
            return .failure(Ineligible(
                request: stored,
                refusal: RetryRefusal(
                    .notFailed(stored.status),
                    "request \(id) is \(stored.status.rawValue); only a request that finally failed or reverted can be retried")))
        }
        return .success(stored)
    }

    private func retriedAs(_ id: RequestID) async -> Result<RequestID?, RetryRefusal> {
        do {
            return .success(try await store.retriedAs(id))
        } catch {
            return .failure(storeFailure(error))
        }
    }

    private func alreadyRetried(_ id: RequestID, as retry: RequestID) -> RetryRefusal {
        RetryRefusal(.alreadyRetried(retry), "request \(id) was already retried as request \(retry); follow that one instead of retrying again")
    }

    func storeFailure(_ error: any Error) -> RetryRefusal {
        RetryRefusal(.storeUnavailable, "the status store did not answer (\(error)); nothing was retried. Try again in a moment")
    }
}
