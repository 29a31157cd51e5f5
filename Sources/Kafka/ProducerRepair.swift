import Logging

/// The polling thread's side of `ProducerClients`: decides when to replace the librdkafka
/// instance and serves the replaced ones until their purged messages are reported.
struct ProducerRepair {
    let clients: ProducerClients
    let configuration: KafkaProducerConfiguration
    let logger: Logger
    private var retired: [RDKafkaClient] = []
    private var lastReplaced: ContinuousClock.Instant?

    /// A fresh instance that fails at once must not be replaced in a tight loop.
    private static let minimumInterval = Duration.seconds(1)
    /// How long a timed-out producer waits for the broker to answer before keeping the instance.
    private static let probeTimeout = Duration.seconds(1)

    init(clients: ProducerClients, configuration: KafkaProducerConfiguration, logger: Logger) {
        self.clients = clients
        self.configuration = configuration
        self.logger = logger
    }

    /// Replaces the current instance if `trouble` shows it cannot deliver again by itself.
    mutating func handle(_ trouble: ProducerTrouble) {
        if let lastReplaced, ContinuousClock.now - lastReplaced < Self.minimumInterval { return }
        let reason: String
        switch trouble {
        case .brokenIdentity(let detail):
            reason = detail
        case .timedOut:
            // Timeouts while the broker is down are expected and heal by themselves; once it
            // answers again, timeouts mean the broker no longer knows this producer.
            guard clients.client.brokerAnswers(timeoutMS: Self.probeTimeout.clampedMilliseconds) else { return }
            reason = "messages time out although broker \(configuration.bootstrapServers) answers (it may have restarted and forgotten the producer id)"
        }
        do throws(KafkaError) {
            retired.append(try clients.replace())
            lastReplaced = .now
            logger.warning(
                "Kafka producer replaced its librdkafka instance with a fresh one: \(reason); sends still waiting on the old one fail retriably")
        } catch {
            logger.error("Kafka producer could not replace its librdkafka instance (\(reason)): \(error)")
        }
    }

    /// Serves the delivery reports of replaced instances and releases those with none left.
    mutating func serveRetired() {
        for client in retired { client.poll(timeoutMS: 0) }
        retired.removeAll { $0.outQueueLength == 0 }
    }
}
