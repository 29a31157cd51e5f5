import CRdKafka

/// The librdkafka this process loaded.
public enum LibRdKafka {
    /// The oldest version this program runs with (scripts/build-librdkafka builds it): 2.8 is the
    /// first that talks to the local broker, and releases before 2.10 crash in the metadata cache
    /// when a restarted broker hands a topic back under a new id (upstream #4964, #4778).
    public static let requiredVersion = "2.14.2"

    /// The loaded library's version, e.g. "2.14.2".
    public static var version: String { String(cString: rd_kafka_version_str()) }

    /// Throws unless the loaded library is at least `minimum` (dotted numbers compared).
    public static func requireVersion(atLeast minimum: String) throws(KafkaError) {
        let loaded = version
        guard isVersion(loaded, atLeast: minimum) else {
            throw KafkaError(
                .incompatibleLibrary,
                "librdkafka \(loaded) is loaded but \(minimum) or newer is required (older ones cannot talk to the local broker, or crash when it restarts); run scripts/build-librdkafka and rebuild, so the binary's rpath picks .local/librdkafka"
            )
        }
    }

    static func isVersion(_ version: String, atLeast minimum: String) -> Bool {
        func numbers(_ text: String) -> [Int] {
            text.split(separator: "-").first.map { $0.split(separator: ".").map { Int($0) ?? 0 } } ?? []
        }
        let have = numbers(version), want = numbers(minimum)
        for index in 0..<max(have.count, want.count) {
            let a = index < have.count ? have[index] : 0
            let b = index < want.count ? want[index] : 0
            if a != b { return a > b }
        }
        return true
    }
}
