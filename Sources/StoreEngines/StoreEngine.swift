import BroadcasterConfig
import Logging
import PostgresStore
import SQLiteStore
import StatusStore

/// Opens the status store the configuration names, so that no role depends on an engine.
public enum StoreEngine {
    /// Runs `body` with the store `settings` name and closes it when `body` returns or throws.
    /// Opening brings the schema up to date; what it had to fix or warn about is logged.
    public static func with<T>(
        _ settings: StoreSettings, logger: Logger, _ body: (any StatusStoreEngine) async throws -> T
    ) async throws -> T {
        switch settings.kind {
        case .sqlite:
            let store = try SQLiteStatusStore(path: settings.path, busyTimeout: settings.busyTimeout)
            for warning in store.fileWarnings { logger.warning("\(warning)") }
            return try await body(store)
        case .postgres:
            guard let postgres = settings.postgres else {
                throw StatusStoreError(.cannotOpen, "store.kind is postgres but no server is configured; set store.url")
            }
            return try await PostgresStatusStore.with(postgres, busyTimeout: settings.busyTimeout, logger: logger) { store in
                try await body(store)
            }
        }
    }
}

extension StoreEngine {
    /// Brings the schema of the store `settings` name up to date, as its own step (before
    /// rolling out a new build to many hosts); returns the migrations applied, oldest first.
    public static func migrate(_ settings: StoreSettings, logger: Logger) async throws -> [String] {
        switch settings.kind {
        case .sqlite:
            let store = try SQLiteStatusStore(path: settings.path, busyTimeout: settings.busyTimeout)
            for warning in store.fileWarnings { logger.warning("\(warning)") }
            return store.migrationsApplied
        case .postgres:
            guard let postgres = settings.postgres else {
                throw StatusStoreError(.cannotOpen, "store.kind is postgres but no server is configured; set store.url")
            }
            return try await PostgresStatusStore.migrate(postgres, logger: logger).map { "v\($0)" }
        }
    }
}
