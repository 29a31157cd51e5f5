/// Why a request may not be signed under this configuration, with a code callers and the
/// dead-letter topic can match on and a reason that says what to change.
public struct AdmissionError: Error, Hashable, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let name: String
        public var description: String { name }

        /// `message_type` is not a function signature.
        public static let invalidMessageType = Code(name: "invalid_message_type")
        /// A signature, but no configured message type.
        public static let unknownMessageType = Code(name: "unknown_message_type")
        /// The data does not decode as the declared arguments.
        public static let invalidCalldata = Code(name: "invalid_calldata")
        /// The data's selector is not the one the message type allows.
        public static let selectorNotAllowed = Code(name: "selector_not_allowed")
        /// The call needs more gas than the message type's limit before it runs at all.
        public static let exceedsGasLimit = Code(name: "exceeds_gas_limit")
        /// A request (from a topic) names another contract than its message type's.
        public static let wrongContract = Code(name: "wrong_contract")
        /// A request (from a topic) names another sender than its message type's signer.
        public static let wrongSender = Code(name: "wrong_sender")
        /// A request (from a topic) whose caller text and canonical function disagree.
        public static let inconsistentFunction = Code(name: "inconsistent_function")
        /// The message type's signer has no address in this configuration.
        public static let noSender = Code(name: "no_sender")
    }

    public let code: Code
    public let reason: String

    public init(_ code: Code, _ reason: String) {
        self.code = code
        self.reason = reason
    }

    public var description: String { "\(code): \(reason)" }
}
