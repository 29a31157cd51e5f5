import NIOCore

/// A request body that tells when the HTTP client starts writing it: AsyncHTTPClient asks a
/// streamed body for its bytes only once the request runs on a live connection with its head
/// written, so the first ask means the node is being handed the call. A refused or still
/// connecting endpoint never asks.
struct OnTheWireBody: AsyncSequence, Sendable {
    typealias Element = ByteBuffer

    let bytes: ByteBuffer
    let onWire: @Sendable () -> Void

    func makeAsyncIterator() -> Iterator {
        Iterator(bytes: bytes, onWire: onWire)
    }

    struct Iterator: AsyncIteratorProtocol {
        var bytes: ByteBuffer?
        let onWire: @Sendable () -> Void

        mutating func next() async -> ByteBuffer? {
            guard let bytes else { return nil }
            self.bytes = nil
            onWire()
            return bytes
        }
    }
}
