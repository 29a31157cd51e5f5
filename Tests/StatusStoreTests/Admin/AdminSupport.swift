import BroadcastModel
import EVMPrimitives
import Foundation
import SQLiteStore
import StatusStore
import Synchronization
import Testing

/// A small seeded generator, so that a failing random sequence can be run again.
struct SeededRandom: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Every stored request, read through the old full-row listing: the oracle the admin reads
/// are checked against.
func everyRequest(_ store: any StatusStore) async throws -> [StoredRequest] {
    var all: [StoredRequest] = []
    var cursor: RecordCursor?
    repeat {
        let page = try await store.list(status: nil, limit: 500, before: cursor)
        all += page.records
        cursor = page.next
    } while cursor != nil
    return all
}

/// How many requests are in each status, counted from the rows.
func countedFromRows(_ store: any StatusStore) async throws -> [TransactionStatus: Int] {
    var counts = Dictionary(uniqueKeysWithValues: TransactionStatus.allCases.filter { $0 != .accepted }.map { ($0, 0) })
    for request in try await everyRequest(store) { counts[request.status, default: 0] += 1 }
    return counts
}

/// Every row of `query`, page by page (through the cursor's text form, as the dashboard passes it).
func allSummaries(_ store: any StatusStore, _ query: RequestQuery, pageSize: Int = 3) async throws -> [RequestSummary] {
    var rows: [RequestSummary] = []
    var cursor: ListCursor?
    var pages = 0
    repeat {
        let page = try await store.summaries(query, limit: pageSize, after: cursor)
        #expect(page.rows.count <= pageSize)
        rows += page.rows
        cursor = try page.next.map { try #require(ListCursor(token: $0.token)) }
        pages += 1
    } while cursor != nil && pages < 10_000
    return rows
}

/// A request to `to` with `calldata`, of `messageType`.
func makeRequest(
    from sender: Address, to: Address, calldata: [UInt8], messageType: String, id: RequestID = RequestID()
) -> BroadcastRequest {
    BroadcastRequest(
        id: id, messageType: messageType, function: "f()", data: Calldata(calldata), to: to, from: sender,
        acceptedAt: Date(timeIntervalSince1970: 1_749_999_999.5), retryOf: nil)
}

/// Newest first by creation, then id: the list's order.
func newestFirst(_ a: StoredRequest, _ b: StoredRequest) -> Bool {
    a.createdAt != b.createdAt ? a.createdAt > b.createdAt : a.id.description > b.id.description
}

/// Values collected from concurrent tasks.
final class Collected<Value: Sendable>: Sendable {
    private let values = Mutex<[Value]>([])

    func append(_ value: Value) { values.withLock { $0.append(value) } }
    var all: [Value] { values.withLock { $0 } }
}
