import Foundation
import GRDB
import StatusStore

/// The status store in one SQLite file, shared by the API and worker processes of one host.
///
/// The file is in WAL mode, so readers never wait for the writer; writers of several processes
/// queue for the write lock up to the busy timeout. Each change is one `BEGIN IMMEDIATE`
/// transaction, so a read-then-write (the next nonce) is never interleaved with another
/// process's.
///
/// Durability is chosen per write (`Commit`), not once for the file. Intake and nonce
/// reconciliation commit with `synchronous = FULL`: the intake commit is the promise that a
/// request is signed before it is broadcast, and if power loss took it back after the
/// broadcast, the replayed message would get a fresh nonce once the sender is reconciled with
/// the chain, and the request would be mined twice. Intake batches spread that fsync (about
/// 0.3 ms here) over many requests. Attempts and idempotency claims commit with NORMAL, the
/// usual WAL setting, kept through a killed process: losing the last of them to power loss
/// costs a re-send of the same signed bytes, or a repeated POST deduplicated at intake. The
/// API's 200 rests on Kafka's ack, not on this file.
public struct SQLiteStatusStore: StatusStore {
    let writer: any DatabaseWriter
    let now: @Sendable () -> Date
    /// What opening the file had to fix, or could not: a database, -wal or -shm file readable
    /// by group or others is restricted to its owner. The caller logs these as warnings.
    public let fileWarnings: [String]
    /// The migrations pending when the file was opened, oldest first, now applied (by this
    /// process, or by one opening the file at the same moment); empty when it was up to date.
    public let migrationsApplied: [String]

    /// Opens the store at `path`, creating the file and its directory if missing, and brings
    /// its schema up to date. The database file and its -wal and -shm files are owner-only
    /// (0600): a new file is created so, and existing ones are restricted (`fileWarnings`).
    ///
    /// - Parameter busyTimeout: how long a write waits while another process holds the lock.
    public init(
        path: String, busyTimeout: Duration = .seconds(5), now: @escaping @Sendable () -> Date = Date.init
    ) throws(StatusStoreError) {
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent()
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw StatusStoreError(
                .cannotOpen,
                "cannot create the directory \(directory.path) for the status store (store.path \"\(path)\"): \(error.localizedDescription). Create it, or set store.path to a writable location")
        }
        let fileWarnings = StoreFilePermissions.secure(path: path)
        var configuration = Configuration()
        configuration.foreignKeysEnabled = true
        configuration.busyMode = .timeout(busyTimeout.timeInterval)
        let pool: DatabasePool
        do {
            pool = try Self.openPool(path: path, configuration: configuration, busyTimeout: busyTimeout)
            // GRDB sets NORMAL when it turns WAL on; migrations commit durably. Each later write sets its own level.
            try pool.writeWithoutTransaction { try $0.execute(sql: "PRAGMA synchronous = FULL") }
        } catch {
            throw Self.openError(error, path: path, busyTimeout: busyTimeout)
        }
        let applied = try Self.migrate(pool, path: path)
        self.init(writer: pool, now: now, fileWarnings: fileWarnings, migrationsApplied: applied)
    }

    /// Opens the pool, waiting up to `busyTimeout` for other processes opening a new file at the
    /// same time: turning WAL on (GRDB's `PRAGMA journal_mode = WAL`) needs a file still in
    /// rollback mode to itself, and SQLite refuses it at once with SQLITE_BUSY instead of
    /// waiting the busy timeout. Once one process turned WAL on, the others' pragma has nothing
    /// left to change.
    private static func openPool(path: String, configuration: Configuration, busyTimeout: Duration) throws -> DatabasePool {
        let deadline = ContinuousClock.now + busyTimeout
        while true {
            do {
                return try DatabasePool(path: path, configuration: configuration)
            } catch let error as DatabaseError where error.resultCode == .SQLITE_BUSY && ContinuousClock.now < deadline {
                Thread.sleep(forTimeInterval: 0.02)
            }
        }
    }

    /// A private store in memory, gone with the value: for tests.
    public static func inMemory(now: @escaping @Sendable () -> Date = Date.init) throws(StatusStoreError) -> SQLiteStatusStore {
        var configuration = Configuration()
        configuration.foreignKeysEnabled = true
        let queue: DatabaseQueue
        do {
            queue = try DatabaseQueue(configuration: configuration)
        } catch {
            throw StatusStoreError(.cannotOpen, "cannot open an in-memory status store: \(error)")
        }
        try migrate(queue, path: ":memory:")
        return SQLiteStatusStore(writer: queue, now: now)
    }

    /// A store over `writer`, which must be migrated (`migrate`): for tests that watch the
    /// statements the store runs.
    init(writer: any DatabaseWriter, now: @escaping @Sendable () -> Date, fileWarnings: [String] = [], migrationsApplied: [String] = []) {
        self.writer = writer
        self.now = now
        self.fileWarnings = fileWarnings
        self.migrationsApplied = migrationsApplied
    }

    /// Applies the pending migrations; returns their names, oldest first.
    @discardableResult
    static func migrate(_ writer: any DatabaseWriter, path: String) throws(StatusStoreError) -> [String] {
        let migrator = Schema.migrator
        do {
            let appliedBefore = try writer.read(migrator.appliedIdentifiers)
            let unknown = appliedBefore.subtracting(migrator.migrations)
            guard unknown.isEmpty else {
                throw StatusStoreError(
                    .schemaTooNew,
                    "the status store at \(path) was migrated by a newer broadcaster (migrations \(unknown.sorted().joined(separator: ", ")) are unknown to this one); run that version, or set store.path to another file")
            }
            // Each migration commits on its own, after the pending ones were read: processes
            // opening a file together each find migrations pending, and one that waited for the
            // write lock fails on what another committed meanwhile (rolled back: a migration and
            // its identifier commit together). Each pass sees more committed, so one pass per
            // migration at most reaches the end.
            var passes = 0
            while true {
                do {
                    try migrator.migrate(writer)
                    return migrator.migrations.filter { !appliedBefore.contains($0) }
                } catch {
                    passes += 1
                    if passes > migrator.migrations.count { throw error }
                }
            }
        } catch let error as StatusStoreError {
            throw error
        } catch {
            throw StatusStoreError(.migrationFailed, "cannot bring the status store at \(path) up to date: \(error)")
        }
    }

    private static func openError(_ error: any Error, path: String, busyTimeout: Duration) -> StatusStoreError {
        guard let error = error as? DatabaseError else {
            return StatusStoreError(.cannotOpen, "cannot open the status store at \(path) (store.path): \(error)")
        }
        switch error.resultCode {
        case .SQLITE_NOTADB:
            return StatusStoreError(
                .notADatabase,
                "\(path) (store.path) is not an SQLite database; set store.path to the broadcaster's store or to a new file")
        case .SQLITE_BUSY, .SQLITE_LOCKED:
            return StatusStoreError(
                .cannotOpen,
                "the status store at \(path) stayed locked by another process for longer than store.busyTimeout (\(busyTimeout)); find the process holding it, or raise the timeout")
        default:
            return StatusStoreError(
                .cannotOpen,
                "cannot open the status store at \(path) (store.path): \(error.message ?? "\(error.resultCode)"). Check that the file and its directory are writable by this user")
        }
    }
}
