/// A 20-byte Ethereum account address; written with the EIP-55 mixed-case checksum.
public struct Address: Hashable, Sendable, Codable, CustomStringConvertible {
    /// The 20 address bytes.
    public let bytes: [UInt8]

    /// The all-zero address.
    public static let zero = Address(validated: [UInt8](repeating: 0, count: 20))

    /// An address from exactly 20 bytes.
    public init(bytes: some Collection<UInt8>) throws(AddressError) {
        try self.init(bytes: ArraySlice(bytes))
    }

    /// The same from a slice, without the generic path's cost: the ABI decoder reads every
    /// address argument this way.
    public init(bytes: ArraySlice<UInt8>) throws(AddressError) {
        guard bytes.count == 20 else {
            throw AddressError(.wrongLength, "an address is 20 bytes; got \(bytes.count)")
        }
        self.bytes = Array(bytes)
    }

    /// Parses "0x" + 40 hex digits. All-lowercase and all-uppercase digits are accepted as they are;
    /// mixed case must match the EIP-55 checksum, so a mistyped address is caught.
    public init(_ text: some StringProtocol) throws(AddressError) {
        let decoded: [UInt8]
        do throws(HexError) {
            decoded = try Hex.decode(text)
        } catch {
            throw AddressError(.invalidHex, "address \(HexError.excerpt(text)) is not valid hex: \(error)")
        }
        guard decoded.count == 20 else {
            throw AddressError(.wrongLength, "address \(HexError.excerpt(text)) must be \"0x\" followed by 40 hex digits; it has \(text.utf8.count - 2)")
        }
        self.bytes = decoded
        let digits = text.utf8.dropFirst(2)
        let hasLower = digits.contains { (UInt8(ascii: "a")...UInt8(ascii: "f")).contains($0) }
        let hasUpper = digits.contains { (UInt8(ascii: "A")...UInt8(ascii: "F")).contains($0) }
        if hasLower && hasUpper {
            let expected = checksummed
            guard digits.elementsEqual(expected.utf8.dropFirst(2)) else {
                throw AddressError(.badChecksum, "address \"\(text)\" has mixed case but fails its EIP-55 checksum (expected \(expected)); check it for typos, or write it all in lowercase to skip the check")
            }
        }
    }

    private init(validated bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// EIP-55: each hex letter is uppercase when the matching nibble of keccak256(lowercase hex) is >= 8.
    public var checksummed: String {
        let lower = Hex.encode(bytes, prefixed: false)
        let hash = Keccak256.hash(lower.utf8)
        var result = [UInt8]("0x".utf8)
        result.reserveCapacity(42)
        for (index, character) in lower.utf8.enumerated() {
            let hashNibble = index % 2 == 0 ? hash[index / 2] >> 4 : hash[index / 2] & 0x0f
            let isLetter = character >= UInt8(ascii: "a")
            result.append(isLetter && hashNibble >= 8 ? character - 0x20 : character)
        }
        return String(decoding: result, as: UTF8.self)
    }

    /// The EIP-55 checksummed form.
    public var description: String { checksummed }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        do throws(AddressError) {
            try self.init(text)
        } catch {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.description)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(checksummed)
    }
}

/// An address that could not be parsed.
public struct AddressError: Error, CustomStringConvertible, Equatable, Sendable {
    /// Which rule the input broke.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let description: String
        /// Not "0x"-prefixed hex.
        public static let invalidHex = Code(description: "invalidHex")
        /// Not exactly 20 bytes.
        public static let wrongLength = Code(description: "wrongLength")
        /// Mixed case that does not match EIP-55.
        public static let badChecksum = Code(description: "badChecksum")
    }

    public let code: Code
    public let description: String

    init(_ code: Code, _ description: String) {
        self.code = code
        self.description = description
    }
}
