/// Why a text is not the strict JSON we accept, with the byte offset where reading stopped.
public struct StrictJSONError: Error, Hashable, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let name: String
        public var description: String { name }

        /// Not JSON (RFC 8259) at all: a bad token, an unterminated string, a bad escape.
        public static let syntax = Code(name: "syntax")
        /// An object names the same key twice; readers disagree on which one wins.
        public static let duplicateKey = Code(name: "duplicate_key")
        /// Something other than whitespace follows the value.
        public static let trailingBytes = Code(name: "trailing_bytes")
        /// Arrays and objects nest deeper than the parser's limit.
        public static let tooDeep = Code(name: "too_deep")
        /// The bytes are not UTF-8, or an escape names a lone surrogate.
        public static let invalidText = Code(name: "invalid_text")
    }

    public let code: Code
    /// Offset of the byte where the problem was found.
    public let offset: Int
    public let reason: String

    public init(_ code: Code, at offset: Int, _ reason: String) {
        self.code = code
        self.offset = offset
        self.reason = reason
    }

    public var description: String { "\(reason) (at byte \(offset))" }
}
