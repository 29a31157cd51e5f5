import Synchronization

/// The producer's current librdkafka instance, replaced by a fresh one when the current one
/// can no longer deliver by itself.
///
/// librdkafka's idempotent producer keeps its producer id and sequence numbers for life. A
/// broker that forgot them (Tansu with memory storage, after a restart) answers "unknown
/// producer id" and librdkafka retries until every message times out, for ever; a fresh
/// instance gets a new producer id. Messages of a replaced instance are purged, so their sends
/// fail retriably: none of them was acknowledged, so none was promised to anyone.
final class ProducerClients: Sendable {
    private let current: Mutex<RDKafkaClient>
    private let properties: [String: String]
    private let handler: any RDKafkaEventHandler

    init(properties: [String: String], handler: any RDKafkaEventHandler) throws(KafkaError) {
        self.properties = properties
        self.handler = handler
        self.current = Mutex(try RDKafkaClient(.producer, properties: properties, handler: handler))
    }

    /// The instance new messages go to.
    var client: RDKafkaClient { current.withLock { $0 } }

    /// Enqueues on the current instance; under the lock, so nothing reaches an instance after
    /// it was replaced and purged.
    func produce(
        topic: String, key: [UInt8]?, value: [UInt8], headers: [KafkaHeader], messageID: UInt
    ) throws(KafkaError) {
        try current.withLock { (client: inout RDKafkaClient) throws(KafkaError) in
            try client.produce(topic: topic, key: key, value: value, headers: headers, messageID: messageID)
        }
    }

    /// Puts a fresh instance in place and returns the old one, its messages purged; the caller
    /// keeps polling it until their delivery reports are served.
    func replace() throws(KafkaError) -> RDKafkaClient {
        var old = try RDKafkaClient(.producer, properties: properties, handler: handler)
        current.withLock { swap(&$0, &old) }
        old.purgeQueued()
        return old
    }
}

/// Why the current librdkafka instance of a producer may have to be replaced.
enum ProducerTrouble: Sendable {
    /// Its producer identity is broken for good (the broker forgot the producer id, sequence
    /// numbers went out of order, or librdkafka raised a fatal error).
    case brokenIdentity(String)
    /// A message timed out: the identity is broken if a broker answers now.
    case timedOut
}
