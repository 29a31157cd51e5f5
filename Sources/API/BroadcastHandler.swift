import ABI
import Admission
import BroadcastModel
import BroadcasterConfig
import EVMPrimitives
import Foundation
import Hummingbird
import Kafka
import Logging
import StatusStore

/// `POST /transaction/broadcast`: validates, produces, and answers 200 only after the broker's ack.
struct BroadcastHandler: Sendable {
    let configuration: BroadcasterConfiguration
    let admission: Admission
    let keyCheck: APIKeyCheck
    let publisher: RequestPublisher
    let store: any StatusStore
    let waiters: OutcomeWaiters
    let recent: RecentlyAccepted
    let now: @Sendable () -> Date

    func handle(_ request: Request, context: some RequestContext) async throws -> Response {
        let started = ContinuousClock.now
        let caller = try keyCheck.identify(request)
        try Self.requireJSON(request)
        let wait = try PreferWait.from(request, max: configuration.api.maxWait)
        let idempotencyKey = try IdempotencyKey.from(request)
        let body = try BroadcastBody(json: Array(buffer: try await readBody(request)))
        let admitted: AdmittedCall
        do {
            admitted = try admission.admit(messageType: body.messageType, data: body.data)
        } catch {
            throw APIError(error)
        }
        let type = admitted.type, sender = admitted.sender
        let digest = IdempotencyKey.bodyDigest(function: type.signature.canonical, data: body.data.bytes)

        var id = RequestID()
        var firstAnswer: StatusView?
        if let idempotencyKey {
            (id, firstAnswer) = try await claim(idempotencyKey, caller: caller, digest: digest)
        }
        var logger = context.logger
        logger[metadataKey: "request_id"] = "\(id)"
        let registration = wait == nil ? nil : await waiters.register(id)

        if firstAnswer == nil {
            let accepted = BroadcastRequest(
                id: id, messageType: body.messageType, function: type.signature.canonical, data: body.data,
                to: type.contract, from: sender, acceptedAt: now())
            do {
                let report = try await publisher.publish(accepted, logger: logger)
                await recent.insert(id)
                logger.info("request accepted", metadata: [
                    "status": "accepted", "message_type": "\(type.signature.canonical)", "from": "\(sender)",
                    "selector_matches": "\(admitted.call.selectorMatches)", "partition": "\(report.partition)", "offset": "\(report.offset)",
                ])
            } catch {
                if let registration { await waiters.unregister(registration) }
                throw error
            }
        } else {
            logger.info("idempotent repeat answered with the first request", metadata: ["status": "\(firstAnswer!.status)"])
        }

        guard let wait, let registration else {
            return JSONBody.response(.ok, firstAnswer ?? .accepted(id))
        }
        let deadline = started + .seconds(wait.seconds)
        let (view, isOutcome) = await awaitOutcome(registration, until: deadline, logger: logger)
        await waiters.unregister(registration)
        return JSONBody.response(isOutcome ? .ok : .accepted, view, headers: [PreferWait.appliedHeader: "wait=\(wait.seconds)"])
    }

    /// The request id for an `Idempotency-Key`, and the first answer when the key was used before
    /// with this body and that request is known to be in the queue (then nothing is produced again).
    private func claim(_ key: IdempotencyKey, caller: CallerIdentity, digest: [UInt8]) async throws -> (RequestID, StatusView?) {
        let claim = key.claim(caller: caller, bodyDigest: digest, at: now())
        switch try await store.claimIdempotencyKey(claim) {
        case .claimed:
            return (claim.requestID, nil)
        case .existing(let id, let firstDigest):
            guard APIKeyCheck.constantTimeEqual(firstDigest, digest) else {
                throw APIError(.unprocessableContent, code: "idempotency_key_reused",
                               reason: "this Idempotency-Key was first used for request \(id) with a different body; use a new key for a different request")
            }
            if let record = try await store.record(id) { return (id, StatusView(record)) }
            // Not stored yet: either in the queue (acked by this process) or its first produce
            // failed. Producing it again is safe, since workers take a request id only once.
            return (id, await recent.contains(id) ? .accepted(id) : nil)
        }
    }

    /// The first broadcast outcome seen before `deadline`, or the current status at the deadline.
    private func awaitOutcome(
        _ registration: OutcomeWaiters.Registration, until deadline: ContinuousClock.Instant, logger: Logger
    ) async -> (StatusView, isOutcome: Bool) {
        let stored = await currentStatus(registration.id, logger: logger)
        if stored.isOutcome { return (stored, true) }
        let outcome = await withTaskGroup(of: StatusView?.self) { group in
            group.addTask {
                for await event in registration.events where event.status.isFinal {
                    return StatusView(event)
                }
                return nil
            }
            group.addTask {
                try? await Task.sleep(until: deadline)
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
        if let outcome { return (outcome, true) }
        let current = await currentStatus(registration.id, logger: logger)
        return (current, current.isOutcome)
    }

    private func currentStatus(_ id: RequestID, logger: Logger) async -> StatusView {
        do {
            return try await store.record(id).map(StatusView.init) ?? .accepted(id)
        } catch {
            logger.warning("cannot read the status of request \(id): \(error)")
            return .accepted(id)
        }
    }

    private func readBody(_ request: Request) async throws -> ByteBuffer {
        let limit = configuration.api.maxBodyBytes
        let tooLarge = APIError(.contentTooLarge, code: "body_too_large", reason: "the body is larger than \(limit) bytes (api.maxBodyBytes)")
        if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > limit { throw tooLarge }
        do {
            return try await request.body.collect(upTo: limit)
        } catch let error as any HTTPResponseError where error.status == .contentTooLarge {
            throw tooLarge
        }
    }

    static func requireJSON(_ request: Request) throws(APIError) {
        let mediaType = request.headers[.contentType]?.split(separator: ";", maxSplits: 1).first?
            .trimmingCharacters(in: .whitespaces).lowercased()
        guard mediaType == "application/json" else {
            throw APIError(.unsupportedMediaType, code: "unsupported_media_type",
                           reason: "Content-Type must be application/json, got \(request.headers[.contentType].map { "\"\($0)\"" } ?? "none")")
        }
    }
}
