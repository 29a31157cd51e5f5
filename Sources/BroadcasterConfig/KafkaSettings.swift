import Foundation
import Configuration

/// Where the broker is and how the pipeline uses it.
public struct KafkaSettings: Hashable, Sendable {
    /// Comma-separated `host:port` list, as librdkafka's `bootstrap.servers` takes it.
    public var brokers: String = "127.0.0.1:9092"
    public var requestsTopic: String = "broadcaster.requests"
    public var resultsTopic: String = "broadcaster.results"
    /// Where workers put consumed messages they cannot process.
    public var deadLetterTopic: String = "broadcaster.dead-letter"
    public var consumerGroup: String = "broadcaster-workers"
    /// How long the API waits for the broker's ack before answering 503.
    public var produceTimeout: Duration = .seconds(5)
    public var sessionTimeout: Duration = .seconds(6)
    /// librdkafka's `linger.ms` for the API's producer: how long a message may wait for others to
    /// share its batch. Under load messages queue while the previous batch is in flight anyway,
    /// so the wait only adds latency to every POST (librdkafka's default is 5 ms).
    public var lingerMs: Int = 1

    /// librdkafka accepts 0 to 900,000 ms.
    public static let lingerRange = 0...900_000

    public init() {}

    /// Reads the `kafka` node.
    ///
    /// ## Configuration keys
    /// - `brokers` (string, default `127.0.0.1:9092`): comma-separated `host:port` list.
    /// - `requestsTopic` (string, default `broadcaster.requests`).
    /// - `resultsTopic` (string, default `broadcaster.results`).
    /// - `deadLetterTopic` (string, default `broadcaster.dead-letter`): consumed messages a
    ///   worker cannot process, with the reason and their source in headers.
    /// - `consumerGroup` (string, default `broadcaster-workers`).
    /// - `produceTimeout` (seconds, default 5): the API answers 503 when the broker has not acked by then.
    /// - `sessionTimeout` (seconds, default 6): the consumer group's session timeout.
    /// - `lingerMs` (whole milliseconds 0-900000, default 1): `linger.ms` of the API's producer.
    public init(reader: ConfigReader) throws(ConfigurationError) {
        let settings = SettingsReader(reader)
        brokers = try settings.string("brokers", default: brokers)
        try Self.checkBrokers(brokers)
        requestsTopic = try Self.topic(settings, "requestsTopic", default: requestsTopic)
        resultsTopic = try Self.topic(settings, "resultsTopic", default: resultsTopic)
        deadLetterTopic = try Self.topic(settings, "deadLetterTopic", default: deadLetterTopic)
        consumerGroup = try settings.string("consumerGroup", default: consumerGroup)
        guard !consumerGroup.isEmpty else {
            throw ConfigurationError(key: ["consumerGroup"], reason: "the consumer group name is empty; give one, e.g. broadcaster-workers")
        }
        produceTimeout = try settings.seconds("produceTimeout", default: produceTimeout)
        sessionTimeout = try settings.seconds("sessionTimeout", default: sessionTimeout)
        lingerMs = try settings.int("lingerMs", default: lingerMs, in: Self.lingerRange)
        guard requestsTopic != resultsTopic else {
            throw ConfigurationError(key: ["resultsTopic"], reason: "the results topic is the requests topic (\(requestsTopic)); give them different names")
        }
        guard deadLetterTopic != requestsTopic, deadLetterTopic != resultsTopic else {
            throw ConfigurationError(
                key: ["deadLetterTopic"],
                reason: "the dead-letter topic is also the \(deadLetterTopic == requestsTopic ? "requests" : "results") topic (\(deadLetterTopic)); give it a name of its own")
        }
    }

    private static func checkBrokers(_ brokers: String) throws(ConfigurationError) {
        let entries = brokers.split(separator: ",", omittingEmptySubsequences: false)
            .map { $0.trimmingCharacters(in: .whitespaces) }
        for entry in entries {
            guard let colon = entry.lastIndex(of: ":"), colon != entry.startIndex,
                  let port = Int(entry[entry.index(after: colon)...]), (1...65535).contains(port)
            else {
                throw ConfigurationError(key: ["brokers"], reason: "\"\(entry)\" is not a host:port address; give a comma-separated list such as 127.0.0.1:9092,127.0.0.1:9093")
            }
        }
    }

    private static func topic(_ settings: SettingsReader, _ key: String, default value: String) throws(ConfigurationError) -> String {
        let name = try settings.string(key, default: value)
        let allowed = name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) }
        guard !name.isEmpty, name.count <= 249, allowed else {
            throw ConfigurationError(key: [key], reason: "\"\(name)\" is not a valid Kafka topic name; use 1-249 characters from a-z, A-Z, 0-9, '.', '_' and '-'")
        }
        return name
    }
}
