/// Why calldata was refused, naming the argument (and the path inside it) when there is one.
///
/// Reads like `argument 2 "_weight" (uint8): value does not fit in 8 bits` or
/// `argument 1 "orders" (tuple[])[3].amount (uint256): …`.
public struct CalldataError: Error, CustomStringConvertible, Equatable, Sendable {
    /// Which rule was broken; compare against the static members.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let name: String
        public var description: String { name }

        /// Fewer than 4 bytes: no selector at all.
        public static let missingSelector = Code(name: "missing-selector")
        /// The selector is not the one of the declared signature (under `.reject`).
        public static let selectorMismatch = Code(name: "selector-mismatch")
        /// The data ends before a value that must be there.
        public static let truncated = Code(name: "truncated")
        /// An offset points outside the data.
        public static let offsetOutOfBounds = Code(name: "offset-out-of-bounds")
        /// An offset is not a multiple of 32.
        public static let misalignedOffset = Code(name: "misaligned-offset")
        /// A length (of bytes, a string or an array) cannot fit in the remaining data.
        public static let lengthOutOfBounds = Code(name: "length-out-of-bounds")
        /// A value's word holds bits its type does not allow (integer range, address, bool, sign extension).
        public static let invalidValue = Code(name: "invalid-value")
        /// Padding after `bytesN`, `bytes` or `string` content is not zero.
        public static let dirtyPadding = Code(name: "dirty-padding")
        /// A `string` is not valid UTF-8.
        public static let invalidUTF8 = Code(name: "invalid-utf8")
        /// The data decodes, but is not the standard encoding of the values it holds.
        public static let nonCanonical = Code(name: "non-canonical")
    }

    public let code: Code
    /// Where the problem is; nil when it concerns the call as a whole.
    public let location: ArgumentLocation?
    public let reason: String

    public init(code: Code, location: ArgumentLocation?, reason: String) {
        self.code = code
        self.location = location
        self.reason = reason
    }

    public var description: String {
        guard let location else { return reason }
        return "\(location): \(reason)"
    }
}

/// A place inside the arguments: which argument, and which element or member within it.
public struct ArgumentLocation: Hashable, Sendable, CustomStringConvertible {
    /// 1-based position of the argument.
    public let position: Int
    public let name: String?
    public let type: ABIType
    /// Steps inside the argument: `[3]` for array elements (0-based), `.amount` for named tuple
    /// members, `.0` for unnamed ones (0-based); empty for the argument itself.
    public let path: String
    /// The type at the end of `path`.
    public let valueType: ABIType

    public var description: String {
        let named = name.map { " \"\($0)\"" } ?? ""
        let head = "argument \(position)\(named) (\(type.displayName))"
        return path.isEmpty ? head : "\(head)\(path) (\(valueType.displayName))"
    }
}
