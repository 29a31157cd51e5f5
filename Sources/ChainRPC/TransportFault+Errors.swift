import AsyncHTTPClient
import Foundation
import NIOCore
import NIOPosix

/// Thrown by the client's own per-call timer.
struct CallTimedOut: Error {}

extension TransportFault {
    /// Reduces what AsyncHTTPClient and NIO throw to the faults the classifier knows.
    init(_ error: any Error) {
        switch error {
        case is CallTimedOut:
            self = .timedOut
        case is CancellationError:
            self = .cancelled
        case let error as HTTPClientError:
            self = Self.fault(for: error)
        case let error as NIOConnectionError:
            let refused = error.connectionErrors.contains { ($0.error as? IOError)?.errnoCode == ECONNREFUSED }
            self = refused ? .connectionRefused : .other("could not connect to \(error.host):\(error.port)")
        case let error as IOError where error.errnoCode == ECONNREFUSED:
            self = .connectionRefused
        case let error as IOError where [ECONNRESET, EPIPE].contains(error.errnoCode):
            self = .connectionClosed
        case let error as ChannelError:
            switch error {
            case .connectTimeout: self = .connectTimedOut
            case .ioOnClosedChannel, .alreadyClosed, .outputClosed, .inputClosed, .eof: self = .connectionClosed
            default: self = .other("channel error: \(error)")
            }
        default:
            self = .other(String(describing: error))
        }
    }

    private static func fault(for error: HTTPClientError) -> TransportFault {
        switch error {
        case .deadlineExceeded, .readTimeout, .writeTimeout, .getConnectionFromPoolTimeout:
            .timedOut
        case .connectTimeout:
            .connectTimedOut
        case .remoteConnectionClosed:
            .connectionClosed
        case .cancelled:
            .cancelled
        default:
            .other(error.description)
        }
    }
}
