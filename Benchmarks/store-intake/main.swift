import BroadcastModel
import BroadcasterConfig
import EVMPrimitives
import Foundation
import Lifecycle
import Logging
import PostgresNIO
import PostgresStore
import SQLiteStore
import StatusStore
import StoreBenchmarkSupport

// Intake commits per second on SQLite and on PostgreSQL side by side: `store.intake` of N
// consumed requests in batches of the worker's size, from a few senders whose leases are held,
// offsets moving forward, each engine next to a reference measured in the same run (a one-row
// durable write transaction on the same store). Not a test: it prints figures.
//
//   swift run -c release --scratch-path .build-release store-intake-benchmark \
//       [--requests N] [--batch B] [--senders S] [--postgres-url URL]
//
// The signature is not measured: every request's version is made before the clock starts and
// `sign` hands it out (one per request, not one for all: the store keeps each version's hash
// unique). PostgreSQL runs on a throwaway server with its default durability unless
// --postgres-url names an empty database.

struct Options {
    var requests = 20_000
    var batch = WorkerSettings().intakeBatchSize
    var senders = 4
    var references = 1_000
    var postgresURL: String?

    init(_ arguments: [String]) throws {
        var rest = arguments[...]
        while let flag = rest.popFirst() {
            guard let value = rest.popFirst() else { throw BenchmarkFailure("\(flag) needs a value") }
            switch flag {
            case "--postgres-url": postgresURL = value
            case "--requests", "--batch", "--senders", "--references":
                guard let number = Int(value), number > 0 else { throw BenchmarkFailure("\(flag) needs a positive number, not \(value)") }
                switch flag {
                case "--requests": requests = number
                case "--batch": batch = number
                case "--senders": senders = number
                default: references = number
                }
            default:
                throw BenchmarkFailure("unknown option \(flag); options: --requests N, --batch B, --senders S, --references R, --postgres-url URL")
            }
        }
    }
}

/// What every engine takes in: the same senders, requests, batches and versions.
struct Work: Sendable {
    let senders: [Address]
    let batches: [[ConsumedMessage]]
    let versions: [RequestID: TransactionVersion]
    let requests: Int

    init(_ options: Options) throws {
        senders = try (0..<options.senders).map { index in
            try Address(bytes: [0x5E] + [UInt8](repeating: 0, count: 15) + withUnsafeBytes(of: UInt32(index).bigEndian, Array.init))
        }
        let contract = try Address(bytes: [0xC0] + [UInt8](repeating: 0, count: 19))
        let signedAt = Date()
        var messages: [ConsumedMessage] = []
        var versions: [RequestID: TransactionVersion] = [:]
        for index in 0..<options.requests {
            let sender = index % senders.count
            let request = BroadcastRequest(
                id: RequestID(), messageType: "add_weight(address _addr, uint256 _weight)", function: "add_weight(address,uint256)",
                data: Calldata([0x1c, 0x41, 0x74, 0x2f] + [UInt8](repeating: 7, count: 64)), to: contract, from: senders[sender],
                acceptedAt: signedAt)
            // Each sender's messages on a partition of their own, as the API keys them.
            messages.append(ConsumedMessage(
                request: request,
                position: ConsumedPosition(
                    group: "broadcaster-workers", topic: "broadcaster.requests", partition: Int32(sender), offset: Int64(index / senders.count))))
            let raw = [0x02] + Array(request.id.description.utf8)
            versions[request.id] = TransactionVersion(
                number: 1, kind: .original, hash: try TxHash(bytes: Keccak256.hash(raw)), raw: raw,
                fees: FeeCaps(maxFeePerGas: .gwei(30), maxPriorityFeePerGas: .gwei(1)), signedAt: signedAt)
        }
        batches = stride(from: 0, to: messages.count, by: options.batch).map { Array(messages[$0..<min(messages.count, $0 + options.batch)]) }
        self.versions = versions
        self.requests = options.requests
    }
}

struct Figures {
    let engine: String
    let referenceCommitsPerSecond: Double
    let commitsPerSecond: Double
    let requestsPerSecond: Double
    let batchP50: Double
    let batchP99: Double
    /// The intake's wall time and the CPU seconds spent meanwhile by this process and by the
    /// server's processes (nil: not known, no server or one of --postgres-url).
    let seconds: Double
    let ownCPU: Double?
    let serverCPU: Double?
}

func percentile(_ sorted: [Double], _ p: Double) -> Double {
    guard !sorted.isEmpty else { return .nan }
    let rank = Int((p * Double(sorted.count - 1)).rounded())
    return sorted[max(0, min(sorted.count - 1, rank))]
}

func spent(_ before: Double?, _ after: Double?) -> Double? {
    guard let before, let after else { return nil }
    return after - before
}

func measure(
    _ engine: String, _ store: any StatusStore, _ work: Work, references: Int, serverCPU: () -> Double? = { nil }
) async throws -> Figures {
    let clock = ContinuousClock()
    let owner = "store-intake-benchmark"
    // The reference: the owner taking its held lease again, a one-row write committed as
    // durably as intake is, through the same protocol.
    for sender in work.senders { _ = try await store.acquireLease(sender: sender, owner: owner, length: .seconds(3600)) }
    let referenceStart = clock.now
    for index in 0..<references {
        _ = try await store.acquireLease(sender: work.senders[index % work.senders.count], owner: owner, length: .seconds(3600))
    }
    let referenceSeconds = milliseconds(clock.now - referenceStart) / 1000

    var fences: [Address: LeaseFence] = [:]
    for sender in work.senders {
        guard let fence = try await store.acquireLease(sender: sender, owner: owner, length: .seconds(3600)).fence else {
            throw BenchmarkFailure("\(engine): the lease of \(sender) is held by another owner")
        }
        fences[sender] = fence
    }
    let versions = work.versions
    let sign: @Sendable (BroadcastRequest, Nonce) throws -> TransactionVersion = { request, _ in
        guard let version = versions[request.id] else { throw BenchmarkFailure("no version made for \(request.id)") }
        return version
    }
    print("  \(engine): reference done (\(references) one-row commits in \(String(format: "%.2f", referenceSeconds)) s); intake of \(work.requests) requests")
    var batchTimes: [Double] = []
    let ownBefore = ProcessCPU.current()?.seconds
    let serverBefore = serverCPU()
    let start = clock.now
    for batch in work.batches {
        let batchStart = clock.now
        let results = try await store.intake(batch, fences: fences, retryDeadline: .seconds(3600), sign: sign)
        batchTimes.append(milliseconds(clock.now - batchStart))
        let new = results.filter { if case .new = $0 { true } else { false } }.count
        guard new == batch.count else { throw BenchmarkFailure("\(engine): \(new) of \(batch.count) requests stored as new: \(results.prefix(3))") }
    }
    let seconds = milliseconds(clock.now - start) / 1000
    let ownCPU = spent(ownBefore, ProcessCPU.current()?.seconds)
    let serverCPU = spent(serverBefore, serverCPU())
    let sorted = batchTimes.sorted()
    return Figures(
        engine: engine, referenceCommitsPerSecond: Double(references) / referenceSeconds,
        commitsPerSecond: Double(work.batches.count) / seconds, requestsPerSecond: Double(work.requests) / seconds,
        batchP50: percentile(sorted, 0.5), batchP99: percentile(sorted, 0.99), seconds: seconds, ownCPU: ownCPU, serverCPU: serverCPU)
}

/// One statement's round trip to the server, which intake pays for every statement it sends:
/// `SELECT 1` on a connection of its own, `count` times, as milliseconds (sorted).
func roundTrips(_ settings: PostgresSettings, count: Int, logger: Logger) async throws -> [Double] {
    let connection = try await PostgresConnection.connect(
        configuration: try PostgresBenchmarkClient.connectionConfiguration(settings), id: 1, logger: logger)
    let clock = ContinuousClock()
    var times: [Double] = []
    do {
        for _ in 0..<count {
            let start = clock.now
            _ = try await connection.query("SELECT 1", logger: logger).collect()
            times.append(milliseconds(clock.now - start))
        }
        try await connection.close()
    } catch {
        try? await connection.close()
        throw error
    }
    return times.sorted()
}

func main() async throws {
    let options = try Options(Array(CommandLine.arguments.dropFirst()))
    print("making \(options.requests) requests from \(options.senders) senders and their versions")
    let work = try Work(options)
    var logger = Logger(label: "store-intake-benchmark")
    logger.logLevel = .warning
    let loadBefore = loadAverage()

    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("store-intake-\(UUID())")
    defer { try? FileManager.default.removeItem(at: directory) }
    let sqlite = try SQLiteStatusStore(path: directory.appendingPathComponent("status.sqlite").path)
    print("SQLite: a fresh store in \(directory.path)")
    var figures = [try await measure("SQLite", sqlite, work, references: options.references)]

    var roundTrip: [Double] = []
    try await PostgresTarget.with(url: options.postgresURL, poolSize: 4) { settings, server in
        print("PostgreSQL: \(server)")
        try await PostgresStatusStore.with(settings, logger: logger) { postgres in
            figures.append(try await measure("PostgreSQL", postgres, work, references: options.references, serverCPU: server.cpuSeconds))
        }
        roundTrip = try await roundTrips(settings, count: options.references, logger: logger)
    }

    print("\n\(options.requests) requests, batches of \(options.batch) (\(work.batches.count) commits), \(options.senders) senders, load average \(loadBefore) before, \(loadAverage()) after")
    func cell(_ text: String) -> String { text.padding(toLength: 14, withPad: " ", startingAt: 0) }
    print(cell("engine") + cell("commits/s") + cell("requests/s") + cell("batch p50 ms") + cell("batch p99 ms") + "reference: one-row durable commits/s (\(options.references))")
    for figure in figures {
        print(
            cell(figure.engine) + cell(String(format: "%.1f", figure.commitsPerSecond)) + cell(String(format: "%.0f", figure.requestsPerSecond))
                + cell(String(format: "%.2f", figure.batchP50)) + cell(String(format: "%.2f", figure.batchP99))
                + String(format: "%.1f", figure.referenceCommitsPerSecond))
    }
    print("\nwhere the intake's time went (CPU seconds; the rest of the wall time is waiting: disk flushes, the other processes of this machine)")
    for figure in figures {
        func seconds(_ value: Double?) -> String { value.map { String(format: "%.2f", $0) } ?? "?" }
        print(cell(figure.engine) + "wall \(seconds(figure.seconds)) s, this process \(seconds(figure.ownCPU)) s"
            + (figure.engine == "SQLite" ? " (SQLite runs in it)" : ", the server's processes \(seconds(figure.serverCPU)) s"))
    }
    print(String(
        format: "PostgreSQL round trip, SELECT 1 on one connection (%d): p50 %.3f ms, mean %.3f ms, p99 %.3f ms",
        roundTrip.count, percentile(roundTrip, 0.5), roundTrip.reduce(0, +) / Double(max(1, roundTrip.count)), percentile(roundTrip, 0.99)))
}

do {
    try await main()
} catch {
    FileHandle.standardError.write(Data("store-intake-benchmark: \(error)\n".utf8))
    exit(1)
}
