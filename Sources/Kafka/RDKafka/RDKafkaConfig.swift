import CRdKafka

/// Builds an `rd_kafka_conf_t` from properties; the caller hands it to `rd_kafka_new`, which
/// takes ownership on success.
enum RDKafkaConfig {
    static func make(_ properties: [String: String]) throws(KafkaError) -> OpaquePointer {
        guard let conf = rd_kafka_conf_new() else {
            throw KafkaError(.invalidConfiguration, "librdkafka could not allocate a configuration")
        }
        for (key, value) in properties.sorted(by: { $0.key < $1.key }) {
            if let problem = set(conf, key, value) {
                rd_kafka_conf_destroy(conf)
                throw KafkaError(
                    .invalidConfiguration,
                    "Kafka property \(key)=\(value) was rejected: \(problem); fix the Kafka configuration")
            }
        }
        return conf
    }

    /// Sets one property; returns librdkafka's complaint, if any.
    private static func set(_ conf: OpaquePointer, _ key: String, _ value: String) -> String? {
        var message = [CChar](repeating: 0, count: 512)
        let result = message.withUnsafeMutableBufferPointer { buffer in
            rd_kafka_conf_set(conf, key, value, buffer.baseAddress, buffer.count)
        }
        guard result != RD_KAFKA_CONF_OK else { return nil }
        return message.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }
}
