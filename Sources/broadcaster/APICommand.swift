import API
import ArgumentParser
import BroadcasterConfig
import Foundation
import Kafka
import Logging
import StatusStore
import StoreEngines

/// `broadcaster api`: the HTTP API that validates broadcast requests and queues them in Kafka.
struct APICommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "api",
        abstract: "Serve POST /transaction/broadcast, GET /transaction/{id}, /healthz, /readyz and /metrics.",
        discussion: """
            Answers 200 only once Kafka acknowledged the request. Every value of the configuration
            file can be overridden by an environment variable (api.port by BROADCASTER_API_PORT);
            see Config/README.md. Startup fails with a message on bad configuration, an unreadable
            status store, or a librdkafka older than \(LibRdKafka.requiredVersion).
            """
    )

    @Option(help: "Configuration file (JSON). Default: Config/broadcaster.json if it exists.")
    var config: String?

    func run() async throws {
        LoggingSystem.bootstrap(StreamLogHandler.standardError)
        let logger = Logger(label: "broadcaster.api")
        do {
            let configuration = try await BroadcasterConfiguration.load(
                configFile: config ?? "Config/broadcaster.json", requireFile: config != nil)
            guard !configuration.messageTypes.isEmpty else {
                throw ConfigurationError(key: ["messageTypes", "names"], reason: "no message type is configured, so every request would be refused; configure at least one")
            }
            try LibRdKafka.requireVersion(atLeast: LibRdKafka.requiredVersion)
            var leveled = logger
            leveled.logLevel = Logger.Level(rawValue: configuration.api.logLevel) ?? .info
            try await StoreEngine.with(configuration.store, logger: leveled) { [leveled] store in
                let logger = leveled
                let dependencies = try APIDependencies.kafka(configuration: configuration, store: store, logger: logger)
                logger.info("API listening", metadata: [
                    "address": "\(configuration.api.host):\(configuration.api.port)", "brokers": "\(configuration.kafka.brokers)",
                    "librdkafka": "\(LibRdKafka.version)", "message_types": "\(configuration.messageTypes.map(\.signature.canonical))",
                ])
                try await runAPI(configuration: configuration, dependencies: dependencies)
            }
        } catch {
            // Configuration and startup errors describe themselves without secrets.
            logger.critical("api stopped: \(error)")
            throw ExitCode.failure
        }
    }
}
