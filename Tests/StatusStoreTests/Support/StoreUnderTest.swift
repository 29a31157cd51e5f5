import Foundation
import Logging
import PostgresStore
import PostgresTestSupport
import SQLiteStore
import StatusStore
import Testing

/// The stores the conformance suite runs against.
///
/// Every behaviour of the `StatusStore` protocol is a test parameterized by `StoreKind` whose
/// body only sees `any StatusStore` (through `withStore` or `withStoresSharingOneDatabase`), so
/// another engine joins the suite by adding a case here and a way to open it below. What only
/// one engine has (SQLite's pragmas, file permissions, query plans, migrating old files) lives
/// in the SQLite or Postgres folder and uses that engine's type directly.
enum StoreKind: String, CaseIterable, Sendable, CustomTestStringConvertible {
    /// SQLite in memory (a `DatabaseQueue`).
    case memory
    /// SQLite in WAL mode on a file in a temporary directory (a `DatabasePool`), as deployed.
    case walFile
    /// PostgreSQL: a fresh database on the test process's server (Tests/PostgresTestSupport).
    case postgres

    var testDescription: String { rawValue }

    /// The kinds whose database several store values can open at once, as several worker
    /// processes (on several hosts, for PostgreSQL) do.
    static let shareable: [StoreKind] = [.walFile, .postgres]
}

/// What the PostgreSQL stores of the suite log: warnings and worse.
let postgresLogger: Logger = {
    var logger = Logger(label: "StatusStoreTests.postgres")
    logger.logLevel = .warning
    return logger
}()

/// Runs `body` with a fresh, empty store of `kind` whose own clock (for timestamps and
/// deadlines; leases follow the database's clock) reads `now`. The store is every protocol an
/// engine keeps (`StatusStoreEngine`: the admin's bulk retries and overview reads too).
func withStore<T>(
    _ kind: StoreKind, now: @escaping @Sendable () -> Date = { fixedNow },
    _ body: (any StatusStoreEngine) async throws -> T
) async throws -> T {
    switch kind {
    case .memory:
        return try await body(SQLiteStatusStore.inMemory(now: now))
    case .walFile:
        return try await withTemporaryDirectory { directory in
            try await body(SQLiteStatusStore(path: directory.appendingPathComponent("run/status.sqlite").path, now: now))
        }
    case .postgres:
        return try await withPostgresDatabase { settings in
            try await PostgresStatusStore.with(settings, logger: postgresLogger, now: now) { store in try await body(store) }
        }
    }
}

/// Runs `body` with `count` stores opened separately on one fresh database, standing for
/// worker processes that only the database keeps apart.
func withStoresSharingOneDatabase<T>(
    _ kind: StoreKind, count: Int, now: @escaping @Sendable () -> Date = { fixedNow },
    _ body: ([any StatusStore]) async throws -> T
) async throws -> T {
    switch kind {
    case .memory:
        throw StoreKindCannotShare(kind: kind)
    case .walFile:
        return try await withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("status.sqlite").path
            let stores: [any StatusStore] = try (0..<count).map { _ in try SQLiteStatusStore(path: path, now: now) }
            return try await body(stores)
        }
    case .postgres:
        return try await withPostgresDatabase { settings in
            // Each store its own client and pool, as each host has; they open one after the
            // other, the first migrating. They wait for each other's row locks as long as it
            // takes: next to the other suites on two cores a holder can wait seconds for a thread.
            func open(_ opened: [any StatusStore]) async throws -> T {
                guard opened.count < count else { return try await body(opened) }
                return try await PostgresStatusStore.with(settings, busyTimeout: .seconds(30), logger: postgresLogger, now: now) { store in
                    try await open(opened + [store])
                }
            }
            return try await open([])
        }
    }
}

struct StoreKindCannotShare: Error, CustomStringConvertible {
    let kind: StoreKind
    var description: String { "a \(kind) store cannot be opened twice; use StoreKind.shareable" }
}

func withTemporaryDirectory<T>(_ body: (URL) async throws -> T) async throws -> T {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("StatusStoreTests-\(UUID())")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    return try await body(directory)
}
