import BroadcastModel
import EVMPrimitives
import Foundation
import GRDB
import StatusStore
import Synchronization
import Testing

/// Every behaviour runs on both kinds of store the service uses.
enum StoreKind: String, CaseIterable, Sendable, CustomTestStringConvertible {
    /// An in-memory `DatabaseQueue`.
    case memory
    /// A WAL `DatabasePool` on a file in a temporary directory.
    case walFile

    var testDescription: String { rawValue }
}

/// Runs `body` with a fresh store of `kind`, removing its file afterwards.
func withStore<T>(
    _ kind: StoreKind, now: @escaping @Sendable () -> Date = { fixedNow },
    _ body: (SQLiteStatusStore) async throws -> T
) async throws -> T {
    switch kind {
    case .memory:
        return try await body(SQLiteStatusStore.inMemory(now: now))
    case .walFile:
        return try await withTemporaryDirectory { directory in
            try await body(SQLiteStatusStore(path: directory.appendingPathComponent("run/status.sqlite").path, now: now))
        }
    }
}

func withTemporaryDirectory<T>(_ body: (URL) async throws -> T) async throws -> T {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("StatusStoreTests-\(UUID())")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    return try await body(directory)
}

let fixedNow = Date(timeIntervalSince1970: 1_750_000_000.25)

/// A clock that moves one second on every reading, so that each write has its own time.
final class TickingClock: Sendable {
    private let seconds = Atomic<Int64>(1_750_000_000)

    func now() -> Date {
        Date(timeIntervalSince1970: Double(seconds.add(1, ordering: .relaxed).newValue))
    }
}

let senderA = try! Address("0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf")
let senderB = try! Address("0x2B5AD5c4795c026514f8317c7a215E218DcCD6cF")
let contract = try! Address("0x5FbDB2315678afecb367f032d93F642f64180aa3")

/// A request with a sub-millisecond acceptance time, to check that what intake returns equals
/// what a later read returns.
func makeRequest(from sender: Address = senderA, id: RequestID = RequestID(), retryOf: RequestID? = nil) -> BroadcastRequest {
    BroadcastRequest(
        id: id, messageType: "add_weight(address _addr, uint256 _weight)", function: "add_weight(address,uint256)",
        data: Calldata([0x1c, 0x41, 0x74, 0x2f] + [UInt8](repeating: 7, count: 64)), to: contract, from: sender,
        acceptedAt: Date(timeIntervalSince1970: 1_749_999_999.123456), retryOf: retryOf)
}

func position(_ offset: Int64, partition: Int32 = 0, group: String = "broadcaster-workers", topic: String = "broadcaster.requests") -> ConsumedPosition {
    ConsumedPosition(group: group, topic: topic, partition: partition, offset: offset)
}

/// Consumed messages at consecutive offsets of partition 0, from `firstOffset`.
func messages(_ requests: [BroadcastRequest?], firstOffset: Int64 = 0, partition: Int32 = 0) -> [ConsumedMessage] {
    requests.enumerated().map { index, request in
        ConsumedMessage(request: request, position: position(firstOffset + Int64(index), partition: partition))
    }
}

/// Stands in for signing: bytes unique to the request and nonce, hashed like a transaction.
@Sendable func fakeSign(_ request: BroadcastRequest, _ nonce: Nonce) throws -> SignedBytes {
    let raw = Array(request.id.description.utf8) + withUnsafeBytes(of: nonce.value.bigEndian, Array.init)
    return SignedBytes(raw: raw, hash: try TxHash(bytes: Keccak256.hash(raw)))
}

struct SigningRefused: Error {}

extension IntakeResult {
    var record: TransactionRecord? {
        switch self {
        case .new(let record), .existing(let record): record
        case .skipped, .refused: nil
        }
    }

    var isNew: Bool {
        if case .new = self { true } else { false }
    }

    var isRefused: Bool {
        if case .refused = self { true } else { false }
    }
}

/// Intakes one request alone and returns its record.
func intakeOne(_ store: SQLiteStatusStore, _ request: BroadcastRequest, offset: Int64 = 0) async throws -> TransactionRecord {
    let results = try await store.intake(messages([request], firstOffset: offset), sign: fakeSign)
    return try #require(results.first?.record)
}

/// Runs `body` while another connection holds the write lock of the store file at `path`, as
/// another process in the middle of a long write would.
func holdingTheWriteLock<T>(of path: String, _ body: () async throws -> T) async throws -> T {
    var configuration = Configuration()
    configuration.allowsUnsafeTransactions = true  // the transaction outlives one access on purpose
    let holder = try DatabaseQueue(path: path, configuration: configuration)
    try await holder.writeWithoutTransaction { try $0.execute(sql: "BEGIN IMMEDIATE") }
    do {
        let result = try await body()
        try await holder.writeWithoutTransaction { try $0.execute(sql: "ROLLBACK") }
        return result
    } catch {
        try? await holder.writeWithoutTransaction { try $0.execute(sql: "ROLLBACK") }
        throw error
    }
}
