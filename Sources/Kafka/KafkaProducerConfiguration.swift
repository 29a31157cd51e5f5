/// Settings of a `KafkaProducer`.
///
/// The producer always runs with `enable.idempotence=true` and `acks=all`: a message is
/// acknowledged only once every in-sync replica has it, and retries never duplicate it. It
/// always partitions keys with `murmur2_random`, the Java clients' hash: with librdkafka's
/// default (CRC32) `kafka-console-producer` and every other Java-based tool put a sender's
/// requests in another partition than the API does, and one sender's requests must stay in one
/// partition to stay in order. kcat needs `-X partitioner=murmur2_random` (kafka/KCAT.md).
/// It never asks the broker to create a topic (`allow.auto.create.topics=false`): topics come
/// from kafka/topics.txt, and a broker that just restarted empty (Tansu) would otherwise create
/// them on the first send with its default partition count, before they are recreated right.
public struct KafkaProducerConfiguration: Sendable {
    /// Comma-separated `host:port` list (`bootstrap.servers`).
    public var bootstrapServers: String
    /// `client.id`, shown in broker logs.
    public var clientID: String
    /// How long a message may wait for its acknowledgement, retries included
    /// (`message.timeout.ms`); `send` fails with a retriable error after it.
    public var deliveryTimeout: Duration
    /// How long `run()` waits at shutdown for messages still unacknowledged before failing
    /// their sends (never longer than the delivery timeout).
    public var shutdownTimeout: Duration
    /// Further librdkafka properties; they cannot override idempotence, acks, the partitioner or
    /// topic creation.
    public var properties: [String: String]

    /// The key hash every producer of Broadcaster's topics must share (see the type's comment).
    public static let partitioner = "murmur2_random"

    public init(
        bootstrapServers: String,
        clientID: String = "broadcaster",
        deliveryTimeout: Duration = .seconds(5),
        shutdownTimeout: Duration = .seconds(5),
        properties: [String: String] = [:]
    ) {
        self.bootstrapServers = bootstrapServers
        self.clientID = clientID
        self.deliveryTimeout = deliveryTimeout
        self.shutdownTimeout = shutdownTimeout
        self.properties = properties
    }

    var rdKafkaProperties: [String: String] {
        var all = brokerRestartDefaults.merging(properties) { _, configured in configured }
        all["bootstrap.servers"] = bootstrapServers
        all["client.id"] = clientID
        all["message.timeout.ms"] = String(deliveryTimeout.milliseconds)
        all["enable.idempotence"] = "true"
        all["acks"] = "all"
        all["partitioner"] = Self.partitioner
        all["allow.auto.create.topics"] = "false"
        return all
    }
}

/// Settings of a `KafkaConsumer` (a member of a consumer group).
///
/// Offsets are never committed automatically: the application's `KafkaOffsetSource` is the
/// source of truth. Assignment uses the eager `roundrobin` strategy unless overridden, so a
/// rebalance revokes everything and assigns afresh, which keeps the callbacks simple. A position
/// the broker refuses is never silently moved by librdkafka (`auto.offset.reset=error`): the
/// consumer decides, logs and counts it (`KafkaPartitionStart`); librdkafka's default would jump
/// to the end of the log and skip everything before it.
public struct KafkaConsumerConfiguration: Sendable {
    public var bootstrapServers: String
    /// `group.id`.
    public var groupID: String
    public var topics: [String]
    /// `session.timeout.ms`; Tansu holds a JoinGroup for about half of it.
    public var sessionTimeout: Duration
    /// Events buffered before the consumer pauses fetching (it keeps polling, so it stays in
    /// the group, and resumes once the reader has drained half of them).
    public var maxBufferedMessages: Int
    public var clientID: String
    /// Further librdkafka properties; they cannot turn on automatic commits or change what
    /// happens to a refused position.
    public var properties: [String: String]

    public init(
        bootstrapServers: String,
        groupID: String,
        topics: [String],
        sessionTimeout: Duration = .seconds(6),
        maxBufferedMessages: Int = 10_000,
        clientID: String = "broadcaster",
        properties: [String: String] = [:]
    ) {
        self.bootstrapServers = bootstrapServers
        self.groupID = groupID
        self.topics = topics
        self.sessionTimeout = sessionTimeout
        self.maxBufferedMessages = maxBufferedMessages
        self.clientID = clientID
        self.properties = properties
    }

    var rdKafkaProperties: [String: String] {
        var all = brokerRestartDefaults
        all["partition.assignment.strategy"] = "roundrobin"
        all["max.poll.interval.ms"] = String(max(300_000, sessionTimeout.milliseconds))
        all.merge(properties) { _, configured in configured }
        all["bootstrap.servers"] = bootstrapServers
        all["client.id"] = clientID
        all["group.id"] = groupID
        all["session.timeout.ms"] = String(sessionTimeout.milliseconds)
        all["enable.auto.commit"] = "false"
        all["enable.auto.offset.store"] = "false"
        all["enable.partition.eof"] = "false"
        all["auto.offset.reset"] = "error"
        return all
    }
}

/// Defaults for a broker that restarts, overridable by `properties`:
/// - librdkafka backs off up to 10 s between reconnects by default; a restarted broker should
///   be used again within a second (the API answers 503 meanwhile).
/// - Topic metadata is refreshed every 5 s instead of 5 min. A topic that comes back under a new
///   id (Tansu recreates every topic on restart) is fetched by its old id until the next
///   refresh, and Tansu answers those fetches with an error librdkafka cannot map to the topic,
///   so nothing else makes it refresh: a consumer would read nothing for up to 5 minutes.
let brokerRestartDefaults = [
    "reconnect.backoff.ms": "100", "reconnect.backoff.max.ms": "1000", "topic.metadata.refresh.interval.ms": "5000",
]

extension Duration {
    var milliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}
