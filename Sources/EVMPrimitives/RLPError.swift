/// RLP input that is malformed, not canonical, or not the shape the caller asked for.
public struct RLPError: Error, CustomStringConvertible, Equatable, Sendable {
    /// Which rule was broken.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let description: String
        /// The input ended where an item was expected (including empty input).
        public static let unexpectedEnd = Code(description: "unexpectedEnd")
        /// A declared length runs past the end of the input or of the enclosing list.
        public static let lengthOverrunsInput = Code(description: "lengthOverrunsInput")
        /// A single byte below 0x80 wrapped as a one-byte string (e.g. 0x81 0x05).
        public static let nonCanonicalSingleByte = Code(description: "nonCanonicalSingleByte")
        /// The long length form used for a payload of 55 bytes or fewer.
        public static let nonCanonicalLength = Code(description: "nonCanonicalLength")
        /// A long-form length with a leading zero byte.
        public static let lengthWithLeadingZero = Code(description: "lengthWithLeadingZero")
        /// Bytes left over after the one item the input must hold.
        public static let trailingBytes = Code(description: "trailingBytes")
        /// Lists nested beyond the decoder's depth limit.
        public static let nestingTooDeep = Code(description: "nestingTooDeep")
        /// A list where a byte string was required.
        public static let expectedBytes = Code(description: "expectedBytes")
        /// A byte string where a list was required.
        public static let expectedList = Code(description: "expectedList")
        /// An integer with a leading zero byte.
        public static let integerWithLeadingZero = Code(description: "integerWithLeadingZero")
        /// An integer too wide for the requested type.
        public static let integerOverflow = Code(description: "integerOverflow")
    }

    public let code: Code
    /// Byte offset in the input where the offending item starts, when decoding.
    public let offset: Int?
    public let description: String

    init(_ code: Code, _ description: String, offset: Int? = nil) {
        self.code = code
        self.offset = offset
        self.description = description
    }
}
