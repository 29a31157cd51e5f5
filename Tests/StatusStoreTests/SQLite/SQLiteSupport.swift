import Foundation
import GRDB
@testable import SQLiteStore
@testable import StatusStore
import Synchronization
import Testing

extension StoreKind {
    /// The SQLite kinds.
    static let sqlite: [StoreKind] = [.memory, .walFile]
}

/// The SQLite kinds of `StoreKind`, as the SQLite type, for tests of what only SQLite has.
func withSQLiteStore<T>(
    _ kind: StoreKind, now: @escaping @Sendable () -> Date = { fixedNow }, _ body: (SQLiteStatusStore) async throws -> T
) async throws -> T {
    switch kind {
    case .memory:
        return try await body(SQLiteStatusStore.inMemory(now: now))
    case .walFile:
        return try await withTemporaryDirectory { directory in
            try await body(SQLiteStatusStore(path: directory.appendingPathComponent("status.sqlite").path, now: now))
        }
    case .postgres:
        throw NotSQLite(kind: kind)
    }
}

struct NotSQLite: Error, CustomStringConvertible {
    let kind: StoreKind
    var description: String { "\(kind) is not an SQLite store; use StoreKind.sqlite" }
}

/// Runs `body` while another connection holds the write lock of the store file at `path`, as
/// another process in the middle of a long write would.
func holdingTheWriteLock<T>(of path: String, _ body: () async throws -> T) async throws -> T {
    var configuration = Configuration()
    configuration.allowsUnsafeTransactions = true  // the transaction outlives one access on purpose
    // A running worker writes often (confirmations, lanes, leases); wait for its short
    // transaction to end rather than failing to take the lock.
    configuration.busyMode = .timeout(30)
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

/// The SQL of the statements a store's connections run, as they run them (parameters expanded).
final class StatementTrace: Sendable {
    private let captured = Mutex<[String]>([])

    func record(_ sql: String) { captured.withLock { $0.append(sql) } }
    func reset() { captured.withLock { $0.removeAll() } }
    var statements: [String] { captured.withLock { $0 } }
}

/// A store of `kind` whose every connection reports its statements to the trace.
func withTracedStore<T>(
    _ kind: StoreKind, now: @escaping @Sendable () -> Date = { fixedNow }, _ body: (SQLiteStatusStore, StatementTrace) async throws -> T
) async throws -> T {
    let trace = StatementTrace()
    var configuration = Configuration()
    configuration.foreignKeysEnabled = true
    configuration.prepareDatabase { db in
        db.trace(options: .statement) { event in
            if case .statement(let statement) = event { trace.record(statement.expandedSQL) }
        }
    }
    switch kind {
    case .memory:
        let queue = try DatabaseQueue(configuration: configuration)
        try SQLiteStatusStore.migrate(queue, path: ":memory:")
        return try await body(SQLiteStatusStore(writer: queue, now: now), trace)
    case .walFile:
        return try await withTemporaryDirectory { directory in
            let pool = try DatabasePool(path: directory.appendingPathComponent("status.sqlite").path, configuration: configuration)
            try SQLiteStatusStore.migrate(pool, path: "status.sqlite")
            return try await body(SQLiteStatusStore(writer: pool, now: now), trace)
        }
    case .postgres:
        throw NotSQLite(kind: kind)
    }
}

/// Opens `count` stores on the file at `path` at the same moment, each on a thread of its own,
/// as processes started together would; returns the errors of those that failed.
func openAtOnce(_ path: String, count: Int) async -> [String] {
    let failures = Failures()
    let start = DispatchSemaphore(value: 0)
    let done = DispatchGroup()
    for _ in 0..<count {
        done.enter()
        Thread {
            start.wait()
            do {
                _ = try SQLiteStatusStore(path: path)
            } catch {
                failures.record("\(error)")
            }
            done.leave()
        }.start()
    }
    for _ in 0..<count { start.signal() }
    return await withCheckedContinuation { continuation in
        done.notify(queue: .global()) { continuation.resume(returning: failures.all) }
    }
}

final class Failures: Sendable {
    private let recorded = Mutex<[String]>([])

    func record(_ failure: String) { recorded.withLock { $0.append(failure) } }
    var all: [String] { recorded.withLock { $0 } }
}
