import BroadcastModel
import EVMPrimitives
import Foundation
import GRDB
import SQLiteStore
import StatusStore

// The admin dashboard's reads of the status store over 1,000,000 requests: p50/p99 of each
// list page, filter, search and the counters, with a primary-key lookup measured alongside as
// the reference. Not a test: it prints figures (goal: p99 < 50 ms for every read).
//
//   swift run -c release --scratch-path .build-release admin-queries-benchmark \
//       [--requests N] [--samples S] [--file PATH] [--keep]
//
// Without --file, the store is filled in a temporary directory and removed afterwards; with
// --file naming a store this benchmark filled before (kept with --keep), filling is skipped.

struct Options {
    var requests = 1_000_000
    var samples = 200
    var file: String?
    var keep = false

    init(_ arguments: [String]) throws {
        var rest = arguments[...]
        while let flag = rest.popFirst() {
            switch flag {
            case "--keep": keep = true
            case "--requests", "--samples", "--file":
                guard let value = rest.popFirst() else { throw UsageError("\(flag) needs a value") }
                if flag == "--file" {
                    file = value
                } else {
                    guard let number = Int(value), number > 0 else { throw UsageError("\(flag) needs a positive number, not \(value)") }
                    if flag == "--requests" { requests = number } else { samples = number }
                }
            default: throw UsageError("unknown option \(flag); options: --requests N, --samples S, --file PATH, --keep")
            }
        }
    }
}

struct UsageError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// One read, and the server time of each of its calls.
struct Case {
    let name: String
    let run: (inout SplitMix) async throws -> Void
    var times: [Double] = []
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
    let store = try SQLiteStatusStore(path: path)
    let p = population
    let middle = (p.firstCreated + p.lastCreated) / 2
    let deepCursor = try await store.summaries(RequestQuery(createdBefore: Date(timeIntervalSince1970: Double(middle) / 1000)), limit: 1, after: nil)
        .next
    func date(_ millis: Int64) -> Date { Date(timeIntervalSince1970: Double(millis) / 1000) }
    func page(_ query: RequestQuery, after: ListCursor? = nil) async throws { _ = try await store.summaries(query, limit: 50, after: after) }

    var cases: [Case] = [
        Case(name: "reference: request by id (primary key, full row)") { r in _ = try await store.request(p.ids.randomElement(using: &r)!) },
        Case(name: "counters (statusCounts)") { _ in _ = try await store.statusCounts() },
        Case(name: "list: first page") { _ in try await page(RequestQuery()) },
        Case(name: "list: page at the middle (keyset)") { _ in try await page(RequestQuery(), after: deepCursor) },
        Case(name: "filter: status failed") { _ in try await page(RequestQuery(statuses: [.failed])) },
        Case(name: "filter: failed or reverted") { _ in try await page(RequestQuery(statuses: [.failed, .reverted])) },
        Case(name: "filter: unfinished (6 statuses)") { _ in
            try await page(RequestQuery(statuses: [.signed, .retrying, .unknown, .submitted, .replaced, .mined]))
        },
        Case(name: "filter: sender") { r in try await page(RequestQuery(sender: p.senders.randomElement(using: &r)!)) },
        Case(name: "filter: sender + failed") { r in try await page(RequestQuery(statuses: [.failed], sender: p.senders.randomElement(using: &r)!)) },
        // A rare status (0.5%) with a filter whose index is also in list order: SQLite walks one
        // of the two indexes and tests the other condition on each row.
        Case(name: "filter: contract + mined (rare)") { r in
            try await page(RequestQuery(statuses: [.mined], contract: p.contracts.randomElement(using: &r)!))
        },
        Case(name: "filter: contract") { r in try await page(RequestQuery(contract: p.contracts.randomElement(using: &r)!)) },
        Case(name: "filter: selector") { r in try await page(RequestQuery(selector: p.selectors.randomElement(using: &r)!)) },
        Case(name: "filter: message type") { r in try await page(RequestQuery(messageType: p.messageTypes.randomElement(using: &r)!)) },
        Case(name: "filter: one hour, at random") { r in
            let from = p.firstCreated + Int64(r.next() % UInt64(max(1, p.lastCreated - p.firstCreated)))
            try await page(RequestQuery(createdFrom: date(from), createdBefore: date(from + 3_600_000)))
        },
        Case(name: "filter: failed in one day") { r in
            let from = p.firstCreated + Int64(r.next() % UInt64(max(1, p.lastCreated - p.firstCreated)))
            try await page(RequestQuery(statuses: [.failed], createdFrom: date(from), createdBefore: date(from + 86_400_000)))
        },
        Case(name: "search: request id (whole)") { r in try await page(RequestQuery(search: .id(prefix: p.ids.randomElement(using: &r)!.description))) },
        Case(name: "search: request id prefix (8)") { r in
            try await page(RequestQuery(search: .id(prefix: String(p.ids.randomElement(using: &r)!.description.prefix(8)))))
        },
        Case(name: "search: hash (whole)") { r in try await page(RequestQuery(search: .hash(prefix: p.hashes.randomElement(using: &r)!))) },
        Case(name: "search: hash prefix (0x + 8)") { r in
            try await page(RequestQuery(search: .hash(prefix: String(p.hashes.randomElement(using: &r)!.prefix(10)))))
        },
        // Every store read the dashboard's overview makes (its chain and broker facts are cached
        // by a background poll, never asked in a page).
        Case(name: "overview: stored in the last 1, 5, 15 minutes") { _ in
            let now = date(p.lastCreated)
            for minutes in [1.0, 5, 15] { _ = try await store.storedSince(now.addingTimeInterval(-60 * minutes)) }
        },
        Case(name: "overview: oldest unfinished") { _ in _ = try await store.oldestUnfinished() },
        Case(name: "overview: nonce lanes (1,000 senders)") { _ in _ = try await store.senderLanes() },
        Case(name: "overview: leases, offsets, senders by partition") { _ in
            _ = try await store.leases()
            _ = try await store.partitionOffsets()
            _ = try await store.unfinishedSendersByPartition()
        },
        Case(name: "search: Idempotency-Key") { r in try await page(RequestQuery(search: .idempotencyKey(hash: p.keyHashes.randomElement(using: &r)!))) },
    ]

    // Rounds alternate between the cases, so load from other processes hits all alike.
    var random = SplitMix(seed: 99)
    for index in cases.indices { for _ in 0..<3 { try await cases[index].run(&random) } }  // warm-up
    for _ in 0..<options.samples {
        for index in cases.indices {
            let start = clock.now
            try await cases[index].run(&random)
            let elapsed = clock.now - start
            let (seconds, attoseconds) = elapsed.components
            cases[index].times.append(Double(seconds) * 1000 + Double(attoseconds) / 1e15)
        }
    }
    let load = (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?.split(separator: " ").prefix(3).joined(separator: " ") ?? "?"
    print("\n\(options.requests) requests, \(options.samples) samples per read, pages of 50, load average \(load)")
    print("read".padding(toLength: 52, withPad: " ", startingAt: 0) + "    p50 ms    p99 ms")
    var worst = 0.0
    for entry in cases {
        let sorted = entry.times.sorted()
        let p99 = percentile(sorted, 0.99)
        if !entry.name.hasPrefix("reference") { worst = max(worst, p99) }
        print(entry.name.padding(toLength: 52, withPad: " ", startingAt: 0) + String(format: "  %8.3f  %8.3f", percentile(sorted, 0.5), p99))
    }
    print(String(format: "\nslowest p99 of the admin reads: %.3f ms (goal < 50 ms): %@", worst, worst < 50 ? "MET" : "NOT MET"))
}

do {
    try await main()
} catch {
    FileHandle.standardError.write(Data("admin-queries-benchmark: \(error)\n".utf8))
    exit(1)
}
