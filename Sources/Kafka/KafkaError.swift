/// A Kafka failure: what went wrong, whether trying again may help, and what an operator can do.
public struct KafkaError: Error, CustomStringConvertible, Sendable {
    /// What kind of failure this is; a struct of static values so new codes never break callers.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let name: String
        private init(_ name: String) { self.name = name }
        public var description: String { name }

        /// The broker did not acknowledge a message within the delivery timeout.
        public static let deliveryTimedOut = Code("deliveryTimedOut")
        /// No broker could be reached.
        public static let brokerUnreachable = Code("brokerUnreachable")
        /// The broker or librdkafka refused or failed the request; see `rdKafkaCode`.
        public static let broker = Code("broker")
        /// librdkafka's local queue is full; the caller should slow down.
        public static let queueFull = Code("queueFull")
        /// A configuration property was rejected.
        public static let invalidConfiguration = Code("invalidConfiguration")
        /// The client is shutting down or has shut down.
        public static let shutDown = Code("shutDown")
        /// The waiting task was cancelled; a message may still be delivered.
        public static let cancelled = Code("cancelled")
        /// The offset source could not say where to start a partition.
        public static let offsetSource = Code("offsetSource")
        /// The loaded librdkafka is not the one this program needs.
        public static let incompatibleLibrary = Code("incompatibleLibrary")
        /// librdkafka raised a fatal error; the client cannot continue.
        public static let fatal = Code("fatal")
        /// An API was used in a way it does not support (e.g. `run()` twice).
        public static let misuse = Code("misuse")
    }

    public let code: Code
    /// Whether the same request may succeed if tried again later.
    public let isRetriable: Bool
    /// Whether the client that raised it can no longer be used.
    public let isFatal: Bool
    /// librdkafka's `rd_kafka_resp_err_t`, when the failure came from it.
    public let rdKafkaCode: Int32?
    /// Operator-readable text: what happened and, where possible, what to do.
    public let reason: String
    public let file: String
    public let line: UInt

    public init(
        _ code: Code,
        _ reason: String,
        isRetriable: Bool = false,
        isFatal: Bool = false,
        rdKafkaCode: Int32? = nil,
        file: String = #fileID,
        line: UInt = #line
    ) {
        self.code = code
        self.reason = reason
        self.isRetriable = isRetriable
        self.isFatal = isFatal
        self.rdKafkaCode = rdKafkaCode
        self.file = file
        self.line = line
    }

    public var description: String { reason }

    static func shutDown(_ what: String, file: String = #fileID, line: UInt = #line) -> KafkaError {
        KafkaError(.shutDown, "\(what): the Kafka client is shutting down", isRetriable: true, file: file, line: line)
    }
}
