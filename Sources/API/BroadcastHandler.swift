import ABI
import Admission
import BroadcastModel
import BroadcasterConfig
import EVMPrimitives
import Foundation
import HTTPTypes
import Hummingbird
import Kafka
import Logging
import StatusStore

/// `POST /transaction/broadcast`: validates, produces, and answers 200 only after the broker's ack.
struct BroadcastHandler: Sendable {
    /// Set on an answer repeated for an `Idempotency-Key` instead of given anew.
    static let replayedHeader = HTTPField.Name("Idempotent-Replayed")!

    let configuration: BroadcasterConfiguration
    let admission: Admission
    let keyCheck: APIKeyCheck
    let publisher: RequestPublisher
    let store: any StatusStore
    let waiters: OutcomeWaiters
    let now: @Sendable () -> Date

    func handle(_ request: Request, context: some RequestContext) async throws -> Response {
        let started = ContinuousClock.now
        let caller = try keyCheck.identify(request)
        try Self.requireJSON(request)
        let wait = try PreferWait.from(request, max: configuration.api.maxWait)
        let idempotencyKey = try IdempotencyKey.from(request)
        let body = try BroadcastBody(json: Array(buffer: try await readBody(request, logger: context.logger)))
        let admitted: AdmittedCall
        do {
            admitted = try admission.admit(messageType: body.messageType, data: body.data)
        } catch {
            throw APIError(error)
        }
        let call = Call(body: body, admitted: admitted, wait: wait, started: started)
        guard let idempotencyKey else {
            return try await accept(call, id: RequestID(), logger: context.logger).response
        }

        let digest = IdempotencyKey.bodyDigest(function: admitted.type.signature.canonical, data: body.data.bytes)
        let claim = idempotencyKey.claim(caller: caller, bodyDigest: digest, at: now())
        var logger = context.logger
        logger[metadataKey: "request_id"] = "\(claim.requestID)"
        switch try await store.claimIdempotencyKey(claim) {
        case .claimed:
            break
        case .existing(let id, let firstDigest, let first):
            guard APIKeyCheck.constantTimeEqual(firstDigest, digest) else {
                throw APIError(.unprocessableContent, code: "idempotency_key_reused",
                               reason: "this Idempotency-Key was first used for request \(id) with a different body; use a new key for a different request")
            }
            if let first {
                logger.info("idempotent repeat answered with the first answer", metadata: ["status": "\(first.status)"])
                return try Self.replay(first)
            }
            // Never answered: the first is still in flight, was not acknowledged (503), or its
            // process died. Producing again is safe: the id is the key's, and workers take an
            // id once.
            logger.info("idempotent repeat of a request not answered yet: producing it again")
        }
        let answer = try await accept(call, id: claim.requestID, logger: context.logger)
        let given = answer.stored
        do {
            let first = try await store.recordFirstAnswer(given, forKey: claim.keyHash)
            if first != given {
                logger.info("idempotent repeat raced the first request: answered with the first answer")
                return try Self.replay(first)
            }
        } catch {
            logger.warning("the answer could not be kept for repeats of this Idempotency-Key; a repeat will be answered anew for the same request: \(error)")
        }
        return answer.response
    }

    /// What one accepted call needs beyond its request id.
    private struct Call: Sendable {
        let body: BroadcastBody
        let admitted: AdmittedCall
        let wait: PreferWait?
        let started: ContinuousClock.Instant
    }

    /// Produces the request (answering 503 when the broker does not acknowledge it) and, with
    /// `Prefer: wait`, waits for its outcome.
    ///
    /// The request id goes into each line's metadata rather than into the logger's: setting a
    /// logger's metadata makes `StreamLogHandler` re-render all of it, for every request.
    private func accept(_ call: Call, id: RequestID, logger: Logger) async throws(APIError) -> Answer {
        let type = call.admitted.type, sender = call.admitted.senders.sender(for: id)
        let registration = call.wait == nil ? nil : await waiters.register(id)
        let accepted = BroadcastRequest(
            id: id, messageType: call.body.messageType, function: type.signature.canonical, data: call.body.data,
            to: type.contract, from: sender, acceptedAt: now())
        do {
            let report = try await publisher.publish(accepted, logger: logger)
            // debug: a line per request is an unbuffered write to stderr on the hot path
            // (api.logLevel debug brings it back).
            logger.debug("request accepted", metadata: [
                "request_id": "\(id)", "status": "accepted", "message_type": "\(type.signature.canonical)", "from": "\(sender)",
                "selector_matches": "\(call.admitted.call.selectorMatches)", "partition": "\(report.partition)", "offset": "\(report.offset)",
            ])
        } catch {
            if let registration { await waiters.unregister(registration) }
            throw error
        }
        guard let wait = call.wait, let registration else {
            return .accepted(id)
        }
        let deadline = call.started + .seconds(wait.seconds)
        let (view, isOutcome) = await awaitOutcome(registration, until: deadline, logger: logger)
        await waiters.unregister(registration)
        return .json(isOutcome ? .ok : .accepted, view, headers: [PreferWait.appliedHeader: "wait=\(wait.seconds)"])
    }

    /// The first answer again, as it was given, marked as a replay.
    static func replay(_ first: IdempotentAnswer) throws(APIError) -> Response {
        guard (100...599).contains(first.status) else {
            throw APIError(.internalServerError, code: "internal", reason: "the stored first answer of this Idempotency-Key is unreadable")
        }
        var headers = HTTPFields()
        for header in first.headers {
            guard let name = HTTPField.Name(header.name) else { continue }
            headers.append(HTTPField(name: name, value: header.value))
        }
        headers[replayedHeader] = "true"
        return Response(
            status: HTTPResponse.Status(code: first.status), headers: headers,
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: first.body)))
    }

    /// The first outcome (a node holds it, or it is final) seen before `deadline`, or the
    /// current status at the deadline. Events are compared by sequence, so one arriving late
    /// never replaces a newer one.
    private func awaitOutcome(
        _ registration: OutcomeWaiters.Registration, until deadline: ContinuousClock.Instant, logger: Logger
    ) async -> (StatusView, isOutcome: Bool) {
        let stored = await currentStatus(registration.id, logger: logger)
        if stored.isOutcome { return (stored, true) }
        let outcome = await withTaskGroup(of: StatusView?.self) { group in
            group.addTask {
                for await event in registration.events {
                    let view = StatusView(event)
                    if view.isOutcome { return view }
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
            return try await store.request(id).map(StatusView.init) ?? .accepted(id)
        } catch {
            logger.warning("cannot read the status of request \(id): \(error)")
            return .accepted(id)
        }
    }

    /// The body, up to `api.maxBodyBytes`. A body whose framing is wrong (a bad chunk size) or
    /// that ends with the connection is the client's mistake: 400 and a debug line, not a 500.
    private func readBody(_ request: Request, logger: Logger) async throws(APIError) -> ByteBuffer {
        let limit = configuration.api.maxBodyBytes
        let tooLarge = APIError(.contentTooLarge, code: "body_too_large", reason: "the body is larger than \(limit) bytes (api.maxBodyBytes)")
        if let length = RequestHeaders.only(.contentLength, in: request.headers).flatMap({ Int($0) }), length > limit { throw tooLarge }
        do {
            return try await request.body.collect(upTo: limit)
        } catch let error as any HTTPResponseError where error.status == .contentTooLarge {
            throw tooLarge
        } catch {
            let answer = FramingError.bodyError(error)
            logger.debug("the request body could not be read: \(answer.code): \(error)")
            throw answer
        }
    }

    static func requireJSON(_ request: Request) throws(APIError) {
        guard let contentType = RequestHeaders.only(.contentType, in: request.headers), RequestHeaders.isJSON(contentType) else {
            throw APIError(.unsupportedMediaType, code: "unsupported_media_type",
                           reason: "Content-Type must be application/json, got \(request.headers[.contentType].map { "\"\(Echo.bounded($0))\"" } ?? "none")")
        }
    }
}

extension Answer {
    /// The answer as the status store keeps it for repeats.
    var stored: IdempotentAnswer {
        IdempotentAnswer(
            status: status.code, headers: headers.map { IdempotentAnswer.Header(name: $0.name.rawName, value: $0.value) },
            body: body)
    }
}
