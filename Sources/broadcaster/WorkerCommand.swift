import ArgumentParser
import BroadcasterConfig
import Foundation
import Logging
import Pipeline

/// `broadcaster worker`: consumes broadcast requests, signs and broadcasts them.
struct WorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker",
        abstract: "Consume broadcast requests from Kafka, sign them and broadcast them to the chain.",
        discussion: """
            Run several workers in one consumer group to share the requests topic's partitions. \
            Every value of the configuration file can be overridden by an environment variable \
            (kafka.brokers by BROADCASTER_KAFKA_BROKERS).

            Each worker serves /healthz, /readyz and Prometheus /metrics on worker.host:worker.port \
            (default 127.0.0.1:8090; workers on one host each need their own, e.g. \
            BROADCASTER_WORKER_PORT=8091; 0 picks a free port and logs it). Messages it cannot \
            process go to kafka.deadLetterTopic.

            SIGTERM or SIGINT stops consuming, lets broadcasts in flight finish, and leaves the \
            rest in the store for the next start.
            """
    )

    @Option(help: "Configuration file (JSON). Default: Config/broadcaster.json if it exists.")
    var config: String?

    func run() async throws {
        LoggingSystem.bootstrap(StreamLogHandler.standardError)
        let logger = Logger(label: "broadcaster.worker")
        do {
            let configuration = try await BroadcasterConfiguration.load(
                configFile: config ?? "Config/broadcaster.json", requireFile: config != nil)
            try await Worker.run(configuration: configuration, logger: logger)
        } catch {
            // Configuration and startup errors describe themselves without secrets.
            logger.critical("worker stopped: \(error)")
            throw ExitCode.failure
        }
    }
}
