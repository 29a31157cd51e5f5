import Foundation
import ServiceLifecycle
import Synchronization

/// Tells a polling loop on another thread to finish.
final class StopSignal: Sendable {
    private let requested = Atomic<Bool>(false)
    var isRequested: Bool { requested.load(ordering: .acquiring) }
    func request() { requested.store(true, ordering: .releasing) }
}

/// Runs a blocking librdkafka loop on a thread of its own, so Swift's cooperative pool never
/// blocks; the loop is asked to stop on task cancellation or graceful shutdown.
enum PollingThread {
    static func run(name: String, stop: StopSignal, _ body: @escaping @Sendable () -> Void) async {
        await withGracefulShutdownHandler {
            await withTaskCancellationHandler {
                await withCheckedContinuation { (finished: CheckedContinuation<Void, Never>) in
                    let thread = Thread {
                        body()
                        finished.resume()
                    }
                    thread.name = name
                    thread.start()
                }
            } onCancel: {
                stop.request()
            }
        } onGracefulShutdown: {
            stop.request()
        }
    }
}

extension Duration {
    /// "5 s", "250 ms": how operators read a timeout.
    var operatorText: String {
        let milliseconds = self.milliseconds
        return milliseconds % 1000 == 0 ? "\(milliseconds / 1000) s" : "\(milliseconds) ms"
    }

    var clampedMilliseconds: Int32 { Int32(clamping: milliseconds) }
}

/// Runs one blocking librdkafka call on a thread of its own and returns its result.
enum BlockingThread {
    static func run<T: Sendable>(name: String, _ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            let thread = Thread { continuation.resume(returning: body()) }
            thread.name = name
            thread.start()
        }
    }
}
