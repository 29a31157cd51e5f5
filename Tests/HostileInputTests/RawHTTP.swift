import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Runs blocking socket work on a thread of its own, so the test's cooperative pool never blocks.
func offPool<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { continuation in
        Thread { continuation.resume(returning: body()) }.start()
    }
}

/// One TCP connection to the API driven byte by byte: what a hostile client sends, which no
/// HTTP client library would.
final class RawConnection: @unchecked Sendable {
    let fd: Int32

    /// Connects to 127.0.0.1:`port`; nil if the connection is refused.
    init?(port: Int) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
        guard connected else {
            Glibc.close(fd)
            return nil
        }
        self.fd = fd
        // A writer must never wait forever on a server that stopped reading.
        var timeout = timeval(tv_sec: 20, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit { Glibc.close(fd) }

    /// Sends everything, or stops at the first error (the server closed); never raises SIGPIPE.
    @discardableResult
    func send(_ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard sent > 0 else { return false }
            offset += sent
        }
        return true
    }

    @discardableResult
    func send(_ text: String) -> Bool { send(Array(text.utf8)) }

    /// Ends what this side sends, keeping the connection open for the answer.
    func shutdownWrite() { shutdown(fd, Int32(SHUT_WR)) }

    /// Reads what arrives before `deadline`; `closed` when the server closed the connection.
    func read(until deadline: ContinuousClock.Instant, stopWhen complete: ([UInt8]) -> Bool = { _ in false }) -> (bytes: [UInt8], closed: Bool) {
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while ContinuousClock.now < deadline {
            var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let left = deadline - ContinuousClock.now
            let ready = poll(&poller, 1, Int32(clamping: max(1, left.components.seconds * 1000 + left.components.attoseconds / 1_000_000_000_000_000)))
            guard ready > 0 else { continue }
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count <= 0 { return (received, true) }
            received += buffer[0..<count]
            if complete(received) { return (received, false) }
        }
        return (received, false)
    }

    /// The first complete answer read before `deadline`, nil if none came.
    func readResponse(until deadline: ContinuousClock.Instant) -> RawResponse? {
        let (bytes, _) = read(until: deadline) { RawResponse(parsing: $0) != nil }
        return RawResponse(parsing: bytes)
    }

    /// Sends `request` (from a thread of its own, so a server that answers before reading all
    /// of it is heard) and reads the answer.
    static func exchange(
        port: Int, _ request: [UInt8], halfClose: Bool = false, timeout: Duration = .seconds(30)
    ) async -> RawResponse? {
        await offPool {
            guard let connection = RawConnection(port: port) else { return nil }
            let writer = Thread {
                if connection.send(request), halfClose { connection.shutdownWrite() }
            }
            writer.start()
            return connection.readResponse(until: .now + timeout)
        }
    }
}

/// An HTTP/1.1 answer as it came off the wire.
struct RawResponse: Sendable, CustomStringConvertible {
    let status: Int
    let headers: [(name: String, value: String)]
    let body: [UInt8]

    /// A complete answer at the start of `bytes` (head and, by Content-Length, body); nil if not yet.
    init?(parsing bytes: [UInt8]) {
        let separator: [UInt8] = [13, 10, 13, 10]
        guard let end = bytes.indices.dropLast(3).first(where: { Array(bytes[$0..<$0 + 4]) == separator }) else { return nil }
        let head = String(decoding: bytes[..<end], as: UTF8.self).components(separatedBy: "\r\n")
        guard let statusLine = head.first?.split(separator: " "), statusLine.count >= 2, let status = Int(statusLine[1]) else { return nil }
        var headers: [(String, String)] = []
        for line in head.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers.append((String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)))
        }
        let length = headers.first { $0.0.lowercased() == "content-length" }.flatMap { Int($0.1) } ?? 0
        let bodyStart = end + 4
        guard bytes.count >= bodyStart + length else { return nil }
        self.status = status
        self.headers = headers
        self.body = Array(bytes[bodyStart..<bodyStart + length])
    }

    func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }

    var json: [String: Any]? {
        (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any]
    }

    /// `error.code` of an error answer.
    var errorCode: String? {
        (json?["error"] as? [String: Any])?["code"] as? String
    }

    var text: String { String(decoding: body, as: UTF8.self) }

    var description: String { "\(status) \(text.prefix(300))" }
}
