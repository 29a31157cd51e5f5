import Foundation

/// What a helper's stdout said before it ended, or so far.
enum ReadyOutcome: Equatable, Sendable {
    /// It printed `READY <url>`.
    case ready(url: String)
    /// Its output ended without a READY line.
    case ended
}

/// Drains a helper's stdout on a thread of its own until end of output, so a chatty helper
/// never blocks on a full pipe, and reports its first `READY <url>` line.
///
/// A dedicated thread, not the dispatch pool: a read that blocks for a helper's whole life must
/// not take a pool thread other work is queued behind.
enum ReadyLineReader {
    /// Starts draining `descriptor`, which the reader closes at end of output.
    static func start(reading descriptor: Int32, name: String) -> Latch<ReadyOutcome> {
        let outcome = Latch<ReadyOutcome>()
        let thread = Thread {
            var pending: [UInt8] = []
            var chunk = [UInt8](repeating: 0, count: 4096)
            while true {
                let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
                if count < 0 && errno == EINTR { continue }
                if count <= 0 { break }
                guard outcome.value == nil else { continue }
                pending.append(contentsOf: chunk.prefix(count))
                while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                    let line = String(decoding: pending[..<newline], as: UTF8.self)
                    pending.removeSubrange(...newline)
                    if line.hasPrefix("READY ") {
                        outcome.set(.ready(url: line.dropFirst(6).trimmingCharacters(in: .whitespaces)))
                        pending = []
                        break
                    }
                }
            }
            close(descriptor)
            outcome.set(.ended)
        }
        thread.name = "stdout of \(name)"
        thread.start()
        return outcome
    }
}
