import ArgumentParser
import BroadcasterConfig
import Logging
import StoreEngines

/// `broadcaster migrate`: brings the status store's schema up to date and exits.
struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Bring the status store's schema up to date, then exit.",
        discussion: """
            Every role applies pending migrations when it starts (on PostgreSQL under an advisory \
            lock, so hosts starting together migrate once); run this first to migrate as a step \
            of its own, e.g. before rolling out a new version. A store migrated by a newer \
            version is refused, never changed. Reads store.* from the configuration.
            """
    )

    @Option(help: "Configuration file (JSON). Default: Config/broadcaster.json if it exists.")
    var config: String?

    func run() async throws {
        LoggingSystem.bootstrap(StreamLogHandler.standardError)
        let logger = Logger(label: "broadcaster.migrate")
        do {
            let configuration = try await BroadcasterConfiguration.load(
                configFile: config ?? "Config/broadcaster.json", requireFile: config != nil)
            let applied = try await StoreEngine.migrate(configuration.store, logger: logger)
            let store = configuration.store.kind == .sqlite ? "the SQLite store at \(configuration.store.path)" : "the PostgreSQL store"
            if applied.isEmpty {
                print("\(store) is up to date")
            } else {
                print("\(store): applied \(applied.joined(separator: ", "))")
            }
        } catch {
            logger.critical("migrate failed: \(error)")
            throw ExitCode.failure
        }
    }
}
