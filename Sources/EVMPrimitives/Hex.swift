/// Hexadecimal text ↔ bytes, as Ethereum JSON-RPC writes data ("0x"-prefixed, two digits a byte).
public enum Hex {
    /// Lowercase hex, "0x"-prefixed unless prefixed == false.
    public static func encode(_ bytes: some Collection<UInt8>, prefixed: Bool = true) -> String {
        let length = bytes.count * 2 + (prefixed ? 2 : 0)
        return String(unsafeUninitializedCapacity: length) { text in
            var index = 0
            if prefixed {
                text[0] = UInt8(ascii: "0")
                text[1] = UInt8(ascii: "x")
                index = 2
            }
            for byte in bytes {
                text[index] = digit(byte >> 4)
                text[index + 1] = digit(byte & 0x0f)
                index += 2
            }
            return index
        }
    }

    /// Decodes hex; requires the 0x/0X prefix unless requirePrefix == false; rejects odd length and non-hex chars.
    public static func decode(_ text: some StringProtocol, requirePrefix: Bool = true) throws(HexError) -> [UInt8] {
        let utf8 = text.utf8
        // Valid text in contiguous memory (a native String's) takes a plain byte loop; anything
        // else, and every error with its message, takes the generic path below.
        if let decoded = utf8.withContiguousStorageIfAvailable({ decodeValid($0, requirePrefix: requirePrefix) }),
           let decoded {
            return decoded
        }
        var digits = utf8[...]
        if hasHexPrefix(utf8) {
            digits = utf8.dropFirst(2)
        } else if requirePrefix {
            throw HexError(.missingPrefix, "hex text must start with \"0x\"; got \(HexError.excerpt(text))")
        }
        guard digits.count % 2 == 0 else {
            throw HexError(.oddLength, "hex text must have an even number of digits (two per byte); got \(digits.count) in \(HexError.excerpt(text))")
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(digits.count / 2)
        var high: UInt8? = nil
        for (position, character) in digits.enumerated() {
            guard let value = nibble(character) else {
                let offset = position + (utf8.count - digits.count)
                throw HexError(.invalidCharacter, "hex text has a non-hex character at offset \(offset) in \(HexError.excerpt(text))")
            }
            if let pending = high {
                bytes.append(pending << 4 | value)
                high = nil
            } else {
                high = value
            }
        }
        return bytes
    }

    /// The bytes of valid hex text, or nil if it is not valid (the caller then says why).
    private static func decodeValid(_ utf8: UnsafeBufferPointer<UInt8>, requirePrefix: Bool) -> [UInt8]? {
        var position = 0
        if utf8.count >= 2, utf8[0] == UInt8(ascii: "0"), utf8[1] | 0x20 == UInt8(ascii: "x") {
            position = 2
        } else if requirePrefix {
            return nil
        }
        let digits = utf8.count - position
        guard digits % 2 == 0 else { return nil }
        var valid = true
        let bytes = [UInt8](unsafeUninitializedCapacity: digits / 2) { buffer, count in
            var written = 0
            while position < utf8.count {
                guard let high = nibble(utf8[position]), let low = nibble(utf8[position + 1]) else {
                    valid = false
                    break
                }
                buffer[written] = high << 4 | low
                written += 1
                position += 2
            }
            count = written
        }
        return valid ? bytes : nil
    }

    /// Whether `utf8` starts with "0x" or "0X".
    static func hasHexPrefix(_ utf8: some Collection<UInt8>) -> Bool {
        var iterator = utf8.makeIterator()
        return iterator.next() == UInt8(ascii: "0") && (iterator.next().map { $0 | 0x20 } == UInt8(ascii: "x"))
    }

    /// The value of one ASCII hex digit, either case.
    static func nibble(_ character: UInt8) -> UInt8? {
        switch character {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): character &- UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): character &- UInt8(ascii: "a") &+ 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): character &- UInt8(ascii: "A") &+ 10
        default: nil
        }
    }

    @inline(__always)
    static func digit(_ value: UInt8) -> UInt8 {
        value < 10 ? UInt8(ascii: "0") &+ value : UInt8(ascii: "a") &+ (value &- 10)
    }
}

/// Hex text that could not be decoded.
public struct HexError: Error, CustomStringConvertible, Equatable, Sendable {
    /// Which rule the text broke.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let description: String
        /// The text lacks the required "0x" prefix.
        public static let missingPrefix = Code(description: "missingPrefix")
        /// An odd number of hex digits.
        public static let oddLength = Code(description: "oddLength")
        /// A character outside 0-9, a-f, A-F.
        public static let invalidCharacter = Code(description: "invalidCharacter")
    }

    public let code: Code
    public let description: String

    init(_ code: Code, _ description: String) {
        self.code = code
        self.description = description
    }

    /// The offending text, quoted and cut short so a huge input cannot flood a log.
    static func excerpt(_ text: some StringProtocol) -> String {
        text.count <= 80 ? "\"\(text)\"" : "\"\(text.prefix(80))…\" (\(text.count) characters)"
    }
}
