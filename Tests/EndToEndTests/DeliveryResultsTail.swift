import BroadcasterConfig
import BroadcastModel
import Foundation
import GRDB
import Kafka
import KafkaTestSupport
import Logging
import SQLiteStore
import StatusStore
import Synchronization
import Testing

/// Every status event produced to the results topic while a test runs, in the order read (per
/// partition the order produced; a request's events share a partition, keyed by its id).
final class ResultsRecorder: Sendable {
    private let events = Mutex<[StatusEvent]>([])
    private let undecodable = Mutex<Int>(0)

    func record(_ value: [UInt8]) {
        guard let event = try? TopicCoding.decoder().decode(StatusEvent.self, from: Data(value)) else {
            undecodable.withLock { $0 += 1 }
            return
        }
        events.withLock { $0.append(event) }
    }

    var all: [StatusEvent] { events.withLock { $0 } }
    var undecodableCount: Int { undecodable.withLock { $0 } }

    /// Waits until every request in `ids` has had an event with a final status (or `timeout`).
    func waitForFinal(_ ids: some Collection<RequestID>, timeout: Duration) async throws -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let finals = Set(all.filter(\.status.isFinal).map(\.id))
            if ids.allSatisfy(finals.contains) { return true }
            try await Task.sleep(for: .milliseconds(200))
        }
        return false
    }
}

/// Reads the results topic from its end while `body` runs (positioned before `body` starts, so
/// nothing produced during it is missed).
func withResultsRecorder<T: Sendable>(broker: TansuBroker, _ body: (ResultsRecorder) async throws -> T) async throws -> T {
    let tail = try KafkaTopicTail(
        bootstrapServers: broker.bootstrapServers, topic: Topics.results, logger: Logger(label: "end-to-end.results"))
    let recorder = ResultsRecorder()
    return try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await tail.run() }
        group.addTask {
            for await message in tail.messages { recorder.record(message.value) }
        }
        guard await tail.waitUntilPositioned() else {
            group.cancelAll()
            throw StackError("the results tail never positioned itself on \(Topics.results)")
        }
        do {
            let result = try await body(recorder)
            group.cancelAll()
            return result
        } catch {
            group.cancelAll()
            throw error
        }
    }
}

/// What a reader of the results topic saw of each request.
struct DeliverySummary {
    var requests = 0
    var events = 0
    /// Events seen again after a later one (published twice: the publisher died or its ack was lost).
    var redelivered = 0
    /// Requests whose events arrived strictly in order with nothing twice.
    var strictlyOrdered = 0
}

enum DeliveryCheck {
    /// For each stored request: the topic carried every status change, sequences 1 through the
    /// stored one, each first seen after all before it (so a reader that keeps the highest
    /// sequence sees every change, in order), an event seen again identical to its first
    /// delivery, and the last new event the stored, final status.
    @discardableResult
    static func verify(_ events: [StatusEvent], against records: [StoredRequest]) -> DeliverySummary {
        let byRequest = Dictionary(grouping: events, by: \.id)
        var summary = DeliverySummary()
        for record in records {
            summary.requests += 1
            let seen = byRequest[record.id] ?? []
            summary.events += seen.count
            var first: [Int: StatusEvent] = [:]
            var highest = 0
            var strict = true
            for event in seen {
                if let earlier = first[event.sequence] {
                    summary.redelivered += 1
                    strict = false
                    #expect(
                        earlier == event,
                        "request \(record.id): sequence \(event.sequence) was published as \(earlier.status) and as \(event.status): two writers")
                    continue
                }
                if event.sequence < highest { strict = false }
                #expect(
                    event.sequence == highest + 1,
                    "request \(record.id): sequence \(event.sequence) (\(event.status)) arrived after \(highest); a change is missing or out of order (\(seen.map(\.sequence)))")
                first[event.sequence] = event
                highest = max(highest, event.sequence)
            }
            if strict { summary.strictlyOrdered += 1 }
            #expect(highest == record.sequence, "request \(record.id): the topic's last sequence is \(highest), the store's \(record.sequence) (\(seen.map { "\($0.sequence):\($0.status)" }))")
            #expect(first[1]?.status == .signed, "request \(record.id): its first event is \(first[1].map { "\($0.status)" } ?? "missing"), not signed")
            #expect(first[highest]?.status == record.status, "request \(record.id): the last event says \(first[highest].map { "\($0.status)" } ?? "nothing"), the store \(record.status)")
            #expect(record.status.isFinal, "request \(record.id) is still \(record.status)")
        }
        return summary
    }
}

/// The store's tables, read directly (on either engine): what the store's API does not show
/// (the outbox, attempts of every request, leases with their raw epochs).
struct StoreTables {
    let workspace: Workspace

    /// Rows of `sql` (read-only, portable SQL), each as column → text.
    func rows(_ sql: String) throws -> [[String: String]] {
        try workspace.rows(sql)
    }

    func count(_ sql: String) throws -> Int {
        Int(try rows(sql).first?.values.first ?? "") ?? 0
    }

    /// Whether no process is frozen inside a store transaction, judged within `seconds`. SQLite:
    /// a write transaction can begin (a process frozen inside one holds the single write lock
    /// until it is thawed). PostgreSQL: no transaction has been open `seconds` (ours last
    /// milliseconds; the server would end a frozen one after idle_in_transaction_session_timeout,
    /// and a worker thawed after that was once seen never to resume its intake: not this
    /// test's subject, see the README's known limits).
    func writeLockFree(within seconds: Double) -> Bool {
        guard workspace.engine == .sqlite else {
            Thread.sleep(forTimeInterval: seconds)
            let open = try? count(
                """
                SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()
                AND xact_start < now() - make_interval(secs => \(seconds))
                """)
            return open == 0
        }
        var configuration = Configuration()
        configuration.busyMode = .timeout(seconds)
        guard let queue = try? DatabaseQueue(path: workspace.store.path, configuration: configuration) else { return false }
        do {
            try queue.inTransaction(.immediate) { _ in .rollback }
            return true
        } catch {
            return false
        }
    }
}

/// Read-only queries on a SQLite file another process writes (WAL: readers never block it).
enum SQLiteRows {
    static func read(path: String, sql: String, arguments: [String]) throws -> [[String: String]] {
        var configuration = Configuration()
        configuration.readonly = true
        configuration.busyMode = .timeout(5)
        let queue = try DatabaseQueue(path: path, configuration: configuration)
        return try queue.read { db in
            try Row.fetchAll(db, sql: sql, arguments: StatementArguments(arguments)).map { row in
                var columns: [String: String] = [:]
                for (column, value) in row {
                    switch value.storage {
                    case .null: break
                    case .int64(let integer): columns[column] = String(integer)
                    case .double(let double): columns[column] = String(double)
                    case .string(let text): columns[column] = text
                    case .blob(let data): columns[column] = data.map { String(format: "%02x", $0) }.joined()
                    }
                }
                return columns
            }
        }
    }
}
