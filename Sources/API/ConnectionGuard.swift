import Foundation
import HTTPTypes
import Logging
import NIOCore
import NIOHTTPTypes

/// Closes a connection whose client is too slow (see `ConnectionDeadlines`), answering 408
/// first when no answer is under way. It sits first in the pipeline, where it sees bytes as
/// they arrive and can write a whole answer straight to the socket; `RequestProgressHandler`,
/// after the HTTP decoder, tells it where requests and answers begin and end.
final class ConnectionDeadlineHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private var deadlines: ConnectionDeadlines
    private let logger: Logger
    private var context: ChannelHandlerContext?
    private var timer: Scheduled<Void>?
    private var timerDeadline: NIODeadline?
    private var closing = false

    init(limits: ConnectionDeadlines.Limits, logger: Logger) {
        self.deadlines = ConnectionDeadlines(limits: limits, openedAt: .now())
        self.logger = logger
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        schedule()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        cancelTimer()
        self.context = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        deadlines.bytesArrived(at: .now())
        schedule()
        context.fireChannelRead(data)
    }

    func channelInactive(context: ChannelHandlerContext) {
        cancelTimer()
        context.fireChannelInactive()
    }

    // What `RequestProgressHandler` saw.

    func headReceived() {
        deadlines.headReceived(at: .now())
        schedule()
    }

    func bodyEnded() {
        deadlines.bodyEnded()
        schedule()
    }

    func answerStarted() {
        deadlines.answerStarted()
    }

    func answerEnded() {
        deadlines.answerEnded(at: .now())
        schedule()
    }

    /// Whether nothing is being answered, so that an answer may be written now.
    var canAnswer: Bool { deadlines.canAnswer && !closing }

    /// Writes `answer` (a complete HTTP/1.1 response) and closes the connection, however slowly
    /// the client reads: after a second it is closed regardless.
    func answerAndClose(_ answer: ByteBuffer) {
        guard let context, !closing else { return }
        closing = true
        cancelTimer()
        context.writeAndFlush(wrapOutboundOut(answer)).assumeIsolated().whenComplete { _ in
            context.close(promise: nil)
        }
        context.eventLoop.assumeIsolated().scheduleTask(in: .seconds(1)) {
            context.close(promise: nil)
        }
    }

    func close() {
        guard let context, !closing else { return }
        closing = true
        cancelTimer()
        context.close(promise: nil)
    }

    // The timer: one at a time, at the earliest deadline; on firing it re-reads the state.

    private func schedule() {
        guard let context, !closing, let next = deadlines.next else { return }
        if let timerDeadline, timerDeadline <= next.deadline { return }
        cancelTimer()
        timerDeadline = next.deadline
        timer = context.eventLoop.assumeIsolated().scheduleTask(deadline: next.deadline) { [self] in
            fire()
        }
    }

    private func fire() {
        timer = nil
        timerDeadline = nil
        guard !closing else { return }
        guard let expiry = deadlines.expired(at: .now()) else {
            schedule()
            return
        }
        let limits = deadlines.limits
        switch expiry {
        case .idle:
            logger.debug("closing a connection idle for \(limits.idle.operatorText) (api.idleTimeout)")
            close()
        case .head:
            logger.debug("closing a connection whose request head took longer than \(limits.head.operatorText) (api.headerTimeout)")
            timedOut(code: "header_timeout", reason: "the request's headers did not arrive within \(limits.head.operatorText) of its first byte (api.headerTimeout)")
        case .body:
            logger.debug("closing a connection whose request body took longer than \(limits.body.operatorText) (api.bodyTimeout)")
            timedOut(code: "body_timeout", reason: "the request's body did not arrive within \(limits.body.operatorText) of its headers (api.bodyTimeout)")
        }
    }

    private func timedOut(code: String, reason: String) {
        if canAnswer {
            answerAndClose(RawAnswer.encode(APIError(.requestTimeout, code: code, reason: reason + "; send the whole request at once")))
        } else {
            close()
        }
    }

    private func cancelTimer() {
        timer?.cancel()
        timer = nil
        timerDeadline = nil
    }
}

/// Follows requests and answers after the HTTP decoder for `ConnectionDeadlineHandler`, and
/// answers a request the decoder cannot read (bad request line, bad headers, too many or too
/// large headers) with the API's JSON error instead of an empty 400.
///
/// A framing error inside a body the handler is reading is passed on: the handler's body read
/// fails with it and the handler answers 400 with the reason.
final class RequestProgressHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let deadlines: ConnectionDeadlineHandler
    private let logger: Logger
    private var readingBody = false
    private var failed = false

    init(deadlines: ConnectionDeadlineHandler, logger: Logger) {
        self.deadlines = deadlines
        self.logger = logger
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head:
            readingBody = true
            deadlines.headReceived()
        case .body:
            break
        case .end:
            readingBody = false
            deadlines.bodyEnded()
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head: deadlines.answerStarted()
        case .body: break
        case .end: deadlines.answerEnded()
        }
        context.write(data, promise: promise)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // The first error decides; the decoder reports each later byte as another one.
        guard !failed else { return }
        failed = true
        if readingBody, deadlines.canAnswer {
            // The handler is (or will be) reading this body: its read fails with this error.
            context.fireErrorCaught(error)
            return
        }
        // A reset or failed socket cannot be answered; bytes that are not HTTP can.
        let isSocketFailure = error is IOError || error is ChannelError
        if !isSocketFailure, deadlines.canAnswer {
            let answer = FramingError.apiError(error)
            logger.debug("answering \(answer.status.code) \(answer.code) to a request that cannot be read, and closing: \(error)")
            deadlines.answerAndClose(RawAnswer.encode(answer))
        } else {
            // An answer is under way (or was given), or the socket failed: nothing more can be
            // said on this connection.
            logger.debug("closing a connection after \(error)")
            deadlines.close()
        }
    }
}

/// A complete HTTP/1.1 answer as bytes, for the connection guard, which writes below the HTTP
/// encoder.
enum RawAnswer {
    static func encode(_ error: APIError) -> ByteBuffer {
        let body = (try? JSONBody.encoder().encode(ErrorBody(error: .init(code: error.code, reason: error.reason)))) ?? Data("{}".utf8)
        var head = "HTTP/1.1 \(error.status.code) \(error.status.reasonPhrase)\r\n"
        head += "Content-Type: application/json; charset=utf-8\r\n"
        head += "Content-Length: \(body.count)\r\n"
        head += "Connection: close\r\n\r\n"
        var buffer = ByteBuffer(string: head)
        buffer.writeBytes(body)
        return buffer
    }
}

extension TimeAmount {
    /// "10 s", "250 ms": how operators read a timeout.
    var operatorText: String {
        let milliseconds = nanoseconds / 1_000_000
        return milliseconds % 1000 == 0 ? "\(milliseconds / 1000) s" : "\(milliseconds) ms"
    }
}
