import Kafka
import Logging
import ServiceLifecycle
import Synchronization

/// Quiet enough to read test output; librdkafka's warnings still show.
let testLogger: Logger = {
    var logger = Logger(label: "KafkaTests")
    logger.logLevel = .warning
    return logger
}()

/// Offsets a test hands to the consumer on assignment.
struct FixedOffsets: KafkaOffsetSource {
    let offsets: [String: [Int32: Int64]]
    func startingOffsets(topic: String, partitions: [Int32]) throws -> [Int32: Int64] {
        (offsets[topic] ?? [:]).filter { partitions.contains($0.key) }
    }
}

/// Collects a consumer's events from its reading task, for assertions from the test.
final class EventLog: Sendable {
    private let events = Mutex<[KafkaConsumerEvent]>([])

    func append(_ event: KafkaConsumerEvent) { events.withLock { $0.append(event) } }
    var all: [KafkaConsumerEvent] { events.withLock { $0 } }

    var messages: [KafkaMessage] {
        all.compactMap { if case .message(let message) = $0 { message } else { nil } }
    }

    /// The partitions held after the last rebalance event.
    var currentAssignment: Set<Int32> {
        var held: Set<Int32> = []
        for event in all {
            switch event {
            case .assigned(let partitions, _): held.formUnion(partitions)
            case .revoked(let partitions, _): held.subtract(partitions)
            case .message: break
            }
        }
        return held
    }
}

/// Polls `condition` every 50 ms until it holds, failing after `timeout`.
func eventually(
    _ what: String, timeout: Duration = .seconds(30), _ condition: () -> Bool
) async throws {
    let deadline = ContinuousClock.now + timeout
    while !condition() {
        guard ContinuousClock.now < deadline else { throw TimedOut(what: what) }
        try await Task.sleep(for: .milliseconds(50))
    }
}

struct TimedOut: Error, CustomStringConvertible {
    let what: String
    var description: String { "timed out waiting for \(what)" }
}

func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }
func text(_ bytes: [UInt8]?) -> String { bytes.map { String(decoding: $0, as: UTF8.self) } ?? "" }

/// Runs `body` while each service's `run()` runs in a child task, then cancels it and waits for it.
func whileRunning<R: Sendable>(
    _ services: [any Service],
    _ body: () async throws -> R
) async throws -> R {
    try await withThrowingTaskGroup(of: Void.self) { group in
        for service in services {
            group.addTask { try await service.run() }
        }
        do {
            let result = try await body()
            group.cancelAll()
            try await group.waitForAll()
            return result
        } catch {
            group.cancelAll()
            try? await group.waitForAll()
            throw error
        }
    }
}
