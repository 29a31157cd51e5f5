import BroadcastModel
import EVMPrimitives
import Foundation
import GRDB
import Logging
import PostgresStore
import SQLiteStore
import StatusStore
import StoreBenchmarkSupport

// The admin dashboard's reads of the status store over 1,000,000 requests, on SQLite and on
// PostgreSQL side by side: p50/p99 of each list page, filter, search and the counters, with
// each engine's primary-key lookup measured alongside as its reference. Not a test: it prints
// figures (goal: p99 < 50 ms for every read).
//
//   swift run -c release --scratch-path .build-release admin-queries-benchmark \
//       [--requests N] [--samples S] [--file PATH] [--keep] [--postgres-url URL]
//
// Without --file, the SQLite store is filled in a temporary directory and removed afterwards;
// with --file naming a store this benchmark filled before (kept with --keep), filling is
// skipped. PostgreSQL gets a copy of the SQLite store's rows, in the database --postgres-url
// names (an empty one) or on a throwaway server started for the run.

struct Options {
    var requests = 1_000_000
    var samples = 200
    var file: String?
    var keep = false
    var postgresURL: String?

    init(_ arguments: [String]) throws {
        var rest = arguments[...]
        while let flag = rest.popFirst() {
            switch flag {
            case "--keep": keep = true
            case "--requests", "--samples", "--file", "--postgres-url":
                guard let value = rest.popFirst() else { throw UsageError("\(flag) needs a value") }
                if flag == "--file" {
                    file = value
                } else if flag == "--postgres-url" {
                    postgresURL = value
                } else {
                    guard let number = Int(value), number > 0 else { throw UsageError("\(flag) needs a positive number, not \(value)") }
                    if flag == "--requests" { requests = number } else { samples = number }
                }
            default: throw UsageError("unknown option \(flag); options: --requests N, --samples S, --file PATH, --keep, --postgres-url URL")
            }
        }
    }
}

struct UsageError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// One read, as the dashboard makes it of a store.
struct Case {
    let name: String
    let run: (any StatusStoreEngine, Engine, inout SplitMix) async throws -> Void
}

/// A store under measurement, the parameters of its reads and what they took.
struct Engine {
    let name: String
    let store: any StatusStoreEngine
    /// A cursor into the middle of the list, from this store's own pages.
    var deepCursor: ListCursor?
    /// Milliseconds of each call, by case; the first error of a case that failed.
    var times: [[Double]]
    var failures: [String?]
    var random = SplitMix(seed: 99)
}

func percentile(_ sorted: [Double], _ p: Double) -> Double {
    guard !sorted.isEmpty else { return .nan }
    let rank = Int((p * Double(sorted.count - 1)).rounded())
    return sorted[max(0, min(sorted.count - 1, rank))]
}

func main() async throws {
    let options = try Options(Array(CommandLine.arguments.dropFirst()))
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("admin-queries-\(UUID())")
    let path = options.file ?? directory.appendingPathComponent("status.sqlite").path
    let fresh = !FileManager.default.fileExists(atPath: path)
    defer {
        if options.file == nil && !options.keep { try? FileManager.default.removeItem(at: directory) }
    }
    // Opening migrates the file; the fill writes behind the store's back, so it is reopened after.
    _ = try SQLiteStatusStore(path: path)
    let population: Population
    let clock = ContinuousClock()
    if fresh {
        print("filling \(options.requests) requests into \(path)")
        let start = clock.now
        population = try Fill.run(path: path, count: options.requests, seed: 8)
        print("  took \(clock.now - start)")
    } else {
        print("reusing \(path); the queries' parameters are regenerated for the same mix")
        population = try Fill.population(path: path)
    }
    if fresh {
        // The overview's nonce lanes read each sender's next nonce, which the fill leaves out.
        let queue = try DatabaseQueue(path: path)
        try await queue.write { db in
            try db.execute(sql: "INSERT OR REPLACE INTO sender_nonces (address, next_nonce) SELECT from_address, MAX(nonce) + 1 FROM requests GROUP BY from_address")
        }
        try queue.close()
    }
    let sqlite = try SQLiteStatusStore(path: path)
    var logger = Logger(label: "admin-queries-benchmark")
    logger.logLevel = .warning
    try await PostgresTarget.with(url: options.postgresURL, poolSize: 4) { settings, server in
        print("PostgreSQL: \(server)")
        try await PostgresStatusStore.with(settings, logger: logger) { postgres in
            print("copying the SQLite store's rows to PostgreSQL")
            let start = clock.now
            try await CopyToPostgres.run(sqlite: path, to: settings, logger: logger)
            print("  took \(clock.now - start)")
            try await measure(options: options, population: population, engines: [("SQLite", sqlite), ("PostgreSQL", postgres)])
        }
    }
}

func measure(options: Options, population p: Population, engines stores: [(String, any StatusStoreEngine)]) async throws {
    let clock = ContinuousClock()
    let middle = (p.firstCreated + p.lastCreated) / 2
    func date(_ millis: Int64) -> Date { Date(timeIntervalSince1970: Double(millis) / 1000) }
    func page(_ store: any StatusStoreEngine, _ query: RequestQuery, after: ListCursor? = nil) async throws {
        _ = try await store.summaries(query, limit: 50, after: after)
    }

    let cases: [Case] = [
        Case(name: "reference: request by id (primary key, full row)") { store, _, r in _ = try await store.request(p.ids.randomElement(using: &r)!) },
        Case(name: "counters (statusCounts)") { store, _, _ in _ = try await store.statusCounts() },
        Case(name: "list: first page") { store, _, _ in try await page(store, RequestQuery()) },
        Case(name: "list: page at the middle (keyset)") { store, engine, _ in try await page(store, RequestQuery(), after: engine.deepCursor) },
        Case(name: "filter: status failed") { store, _, _ in try await page(store, RequestQuery(statuses: [.failed])) },
        Case(name: "filter: failed or reverted") { store, _, _ in try await page(store, RequestQuery(statuses: [.failed, .reverted])) },
        Case(name: "filter: unfinished (6 statuses)") { store, _, _ in
            try await page(store, RequestQuery(statuses: [.signed, .retrying, .unknown, .submitted, .replaced, .mined]))
        },
        Case(name: "filter: sender") { store, _, r in try await page(store, RequestQuery(sender: p.senders.randomElement(using: &r)!)) },
        Case(name: "filter: sender + failed") { store, _, r in try await page(store, RequestQuery(statuses: [.failed], sender: p.senders.randomElement(using: &r)!)) },
        // A rare status (0.5%) with a filter whose index is also in list order: SQLite walks one
        // of the two indexes and tests the other condition on each row.
        Case(name: "filter: contract + mined (rare)") { store, _, r in
            try await page(store, RequestQuery(statuses: [.mined], contract: p.contracts.randomElement(using: &r)!))
        },
        Case(name: "filter: contract") { store, _, r in try await page(store, RequestQuery(contract: p.contracts.randomElement(using: &r)!)) },
        Case(name: "filter: selector") { store, _, r in try await page(store, RequestQuery(selector: p.selectors.randomElement(using: &r)!)) },
        Case(name: "filter: message type") { store, _, r in try await page(store, RequestQuery(messageType: p.messageTypes.randomElement(using: &r)!)) },
        Case(name: "filter: one hour, at random") { store, _, r in
            let from = p.firstCreated + Int64(r.next() % UInt64(max(1, p.lastCreated - p.firstCreated)))
            try await page(store, RequestQuery(createdFrom: date(from), createdBefore: date(from + 3_600_000)))
        },
        Case(name: "filter: failed in one day") { store, _, r in
            let from = p.firstCreated + Int64(r.next() % UInt64(max(1, p.lastCreated - p.firstCreated)))
            try await page(store, RequestQuery(statuses: [.failed], createdFrom: date(from), createdBefore: date(from + 86_400_000)))
        },
        Case(name: "search: request id (whole)") { store, _, r in try await page(store, RequestQuery(search: .id(prefix: p.ids.randomElement(using: &r)!.description))) },
        Case(name: "search: request id prefix (8)") { store, _, r in
            try await page(store, RequestQuery(search: .id(prefix: String(p.ids.randomElement(using: &r)!.description.prefix(8)))))
        },
        Case(name: "search: hash (whole)") { store, _, r in try await page(store, RequestQuery(search: .hash(prefix: p.hashes.randomElement(using: &r)!))) },
        Case(name: "search: hash prefix (0x + 8)") { store, _, r in
            try await page(store, RequestQuery(search: .hash(prefix: String(p.hashes.randomElement(using: &r)!.prefix(10)))))
        },
        // Every store read the dashboard's overview makes (its chain and broker facts are cached
        // by a background poll, never asked in a page).
        Case(name: "overview: stored in the last 1, 5, 15 minutes") { store, _, _ in
            let now = date(p.lastCreated)
            for minutes in [1.0, 5, 15] { _ = try await store.storedSince(now.addingTimeInterval(-60 * minutes)) }
        },
        Case(name: "overview: oldest unfinished") { store, _, _ in _ = try await store.oldestUnfinished() },
        Case(name: "overview: nonce lanes (1,000 senders)") { store, _, _ in _ = try await store.senderLanes() },
        Case(name: "overview: leases, offsets, senders by partition") { store, _, _ in
            _ = try await store.leases()
            _ = try await store.partitionOffsets()
            _ = try await store.unfinishedSendersByPartition()
        },
        Case(name: "search: Idempotency-Key") { store, _, r in try await page(store, RequestQuery(search: .idempotencyKey(hash: p.keyHashes.randomElement(using: &r)!))) },
    ]

    var engines: [Engine] = []
    for (name, store) in stores {
        var engine = Engine(
            name: name, store: store, times: Array(repeating: [], count: cases.count), failures: Array(repeating: nil, count: cases.count))
        do {
            engine.deepCursor = try await store.summaries(RequestQuery(createdBefore: date(middle)), limit: 1, after: nil).next
        } catch {
            print("\(name): no cursor into the middle of the list (\(error)); that case reads the first page")
        }
        engines.append(engine)
    }

    // Rounds alternate between the cases and the engines, so load from other processes hits
    // all alike; both engines draw the same parameters (one generator each, one seed). A case
    // that fails on an engine is reported, not measured further there.
    func call(_ caseIndex: Int, _ engineIndex: Int, timed: Bool) async {
        guard engines[engineIndex].failures[caseIndex] == nil else { return }
        var random = engines[engineIndex].random
        let start = clock.now
        do {
            try await cases[caseIndex].run(engines[engineIndex].store, engines[engineIndex], &random)
            if timed { engines[engineIndex].times[caseIndex].append(milliseconds(clock.now - start)) }
        } catch {
            engines[engineIndex].failures[caseIndex] = "\(error)"
        }
        engines[engineIndex].random = random
    }
    for caseIndex in cases.indices {
        for engineIndex in engines.indices { for _ in 0..<3 { await call(caseIndex, engineIndex, timed: false) } }  // warm-up
    }
    for _ in 0..<options.samples {
        for caseIndex in cases.indices {
            for engineIndex in engines.indices { await call(caseIndex, engineIndex, timed: true) }
        }
    }

    print("\n\(options.requests) requests, \(options.samples) samples per read and engine, pages of 50, load average \(loadAverage())")
    let header = engines.map { $0.name.padding(toLength: 10, withPad: " ", startingAt: 0) + "  p50 ms    p99 ms" }.joined(separator: "  |  ")
    print("read".padding(toLength: 52, withPad: " ", startingAt: 0) + "  |  " + header)
    var worst = Array(repeating: 0.0, count: engines.count)
    var notes: [String] = []
    for (caseIndex, entry) in cases.enumerated() {
        var line = entry.name.padding(toLength: 52, withPad: " ", startingAt: 0)
        for (engineIndex, engine) in engines.enumerated() {
            if let failure = engine.failures[caseIndex] {
                line += "  |  " + "failed".padding(toLength: 28, withPad: " ", startingAt: 0)
                notes.append("\(engine.name), \(entry.name): \(failure)")
                worst[engineIndex] = .infinity
                continue
            }
            let sorted = engine.times[caseIndex].sorted()
            let p99 = percentile(sorted, 0.99)
            if !entry.name.hasPrefix("reference") { worst[engineIndex] = max(worst[engineIndex], p99) }
            line += "  |  " + String(format: "%@%8.3f  %8.3f", "".padding(toLength: 10, withPad: " ", startingAt: 0), percentile(sorted, 0.5), p99)
        }
        print(line)
    }
    print("")
    for (engineIndex, engine) in engines.enumerated() {
        let value = worst[engineIndex]
        print(String(format: "%@: slowest p99 of the admin reads: %@ (goal < 50 ms): %@", engine.name,
                     value.isFinite ? String(format: "%.3f ms", value) : "a read failed", value < 50 ? "MET" : "NOT MET"))
    }
    for note in notes { print("  failed: \(note)") }
}

do {
    try await main()
} catch {
    FileHandle.standardError.write(Data("admin-queries-benchmark: \(error)\n".utf8))
    exit(1)
}
