import HummingbirdCore
import Logging
import NIOCore

/// Hummingbird's HTTP/1.1 channel with the connection guard around it: deadlines for idle
/// connections, request heads and bodies (`ConnectionDeadlineHandler`, first in the pipeline),
/// JSON answers for requests the decoder cannot read (`RequestProgressHandler`, after it),
/// and bounded headers.
struct GuardedHTTP1Channel: ServerChildChannel, HTTPChannelHandler {
    typealias Value = HTTP1Channel.Value

    /// Headers beyond these are refused with 431 before any handler runs: enough for API keys,
    /// tracing and proxy headers, too little to make the decoder hold megabytes per connection.
    static let headerLimits = HTTP1Channel.Configuration.DecoderConfiguration(
        maxHeaderFieldSize: 8 * 1024, maxHeaderListSize: 32 * 1024, maxHeaderFieldCount: 100)

    let responder: HTTPChannelHandler.Responder
    let limits: ConnectionDeadlines.Limits

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        let deadlines = ConnectionDeadlineHandler(limits: limits, logger: logger)
        do {
            try channel.pipeline.syncOperations.addHandler(deadlines, position: .first)
        } catch {
            return channel.eventLoop.makeFailedFuture(error)
        }
        let progress = NIOLoopBound(RequestProgressHandler(deadlines: deadlines, logger: logger), eventLoop: channel.eventLoop)
        // Hummingbird's own idle timer stays off: ours also covers slow heads and bodies.
        let http1 = HTTP1Channel(
            responder: responder,
            configuration: .init(
                additionalChannelHandlers: [progress.value], idleTimeout: nil, httpDecoderConfiguration: Self.headerLimits))
        return http1.setup(channel: channel, logger: logger)
    }

    func handle(value: Value, logger: Logger) async {
        await handleHTTP(asyncChannel: value, logger: logger)
    }
}

extension HTTPServerBuilder {
    /// HTTP/1.1 behind the connection guard.
    static func guardedHTTP1(limits: ConnectionDeadlines.Limits) -> HTTPServerBuilder {
        HTTPServerBuilder { responder in GuardedHTTP1Channel(responder: responder, limits: limits) }
    }
}
