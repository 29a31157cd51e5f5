import Logging

/// Topic administration for tests and tooling, through librdkafka's admin API.
public final class KafkaAdmin: Sendable {
    private let client: RDKafkaClient

    public init(bootstrapServers: String, logger: Logger) throws(KafkaError) {
        try LibRdKafka.requireVersion(atLeast: LibRdKafka.requiredVersion)
        client = try RDKafkaClient(
            .producer, properties: ["bootstrap.servers": bootstrapServers], handler: AdminEvents(logger: logger))
    }

    /// Creates `name` with `partitions` partitions; succeeds if it already exists (whatever
    /// its partition count). `replicationFactor` -1 takes the broker's default.
    public func createTopic(
        _ name: String, partitions: Int, replicationFactor: Int = -1, timeout: Duration = .seconds(10)
    ) async throws(KafkaError) {
        let client = client
        let result: Result<Void, KafkaError> = await BlockingThread.run(name: "kafka-admin") {
            Result { () throws(KafkaError) in
                try client.createTopic(
                    name, partitions: Int32(clamping: partitions), replicationFactor: Int32(clamping: replicationFactor),
                    timeoutMS: timeout.clampedMilliseconds)
            }
        }
        try result.get()
    }
}

/// The admin client needs no callbacks beyond logging.
final class AdminEvents: RDKafkaEventHandler {
    let logger: Logger
    init(logger: Logger) { self.logger = logger }
}
