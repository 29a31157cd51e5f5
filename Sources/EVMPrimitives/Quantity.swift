import BigInt

/// JSON-RPC "quantity" text ("0x1a": hex, no leading zeros except "0x0") and the decimal form ("26")
/// that configuration and command lines also use.
public enum Quantity {
    /// Parses "0x…" hex (no leading zeros except "0x0") or plain decimal digits; at most 2^256 - 1.
    public static func parse(_ text: some StringProtocol) throws(QuantityError) -> BigUInt {
        try parse(text, maxBits: 256, limitName: "2^256 - 1")
    }

    /// Parses like `parse(_:)` but the value must fit a UInt64 (at most 2^64 - 1).
    public static func parseUInt64(_ text: some StringProtocol) throws(QuantityError) -> UInt64 {
        UInt64(try parse(text, maxBits: 64, limitName: "2^64 - 1 (18446744073709551615)"))
    }

    /// "0x1a"; zero is "0x0".
    public static func encode(_ value: BigUInt) -> String {
        "0x" + String(value, radix: 16)
    }

    /// "0x1a"; zero is "0x0".
    public static func encode(_ value: UInt64) -> String {
        "0x" + String(value, radix: 16)
    }

    static func parse(_ text: some StringProtocol, maxBits: Int, limitName: String) throws(QuantityError) -> BigUInt {
        let utf8 = text.utf8
        guard !utf8.isEmpty else {
            throw QuantityError(.empty, "quantity is empty; write \"0x\" followed by hex digits (e.g. \"0x1a\") or decimal digits (e.g. \"26\")")
        }
        let isHex = Hex.hasHexPrefix(utf8)
        let digits = isHex ? utf8.dropFirst(2) : utf8[...]
        guard let first = digits.first else {
            throw QuantityError(.empty, "quantity \"\(text)\" has no digits after \"0x\"; zero is \"0x0\"")
        }
        for character in digits {
            let valid = isHex ? Hex.nibble(character) != nil : (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(character)
            guard valid else {
                let kind = isHex ? "hex" : "decimal"
                throw QuantityError(.invalidCharacter, "quantity \(QuantityError.excerpt(text)) has a non-\(kind) character; write \"0x\" + hex digits or plain decimal digits")
            }
        }
        if first == UInt8(ascii: "0") && digits.count > 1 {
            throw QuantityError(.leadingZero, "quantity \(QuantityError.excerpt(text)) has a leading zero; quantities are written without them (zero is \"0x0\" or \"0\")")
        }
        // Bound the digit count before converting, so absurdly long input costs nothing.
        let maxDigits = isHex ? (maxBits + 3) / 4 : (maxBits * 30103 / 100000) + 1
        let value = digits.count <= maxDigits ? BigUInt(String(decoding: digits, as: UTF8.self), radix: isHex ? 16 : 10) : nil
        guard let value, value.bitWidth <= maxBits else {
            throw QuantityError(.overflow, "quantity \(QuantityError.excerpt(text)) is too large; the maximum is \(limitName)")
        }
        return value
    }
}

/// Quantity text that could not be parsed or does not fit its type.
public struct QuantityError: Error, CustomStringConvertible, Equatable, Sendable {
    /// Which rule the text broke.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let description: String
        /// No digits at all ("" or "0x").
        public static let empty = Code(description: "empty")
        /// A character that is not a digit of the chosen base.
        public static let invalidCharacter = Code(description: "invalidCharacter")
        /// A leading zero, as in "0x01" or "007".
        public static let leadingZero = Code(description: "leadingZero")
        /// The value exceeds its type's maximum.
        public static let overflow = Code(description: "overflow")
    }

    public let code: Code
    public let description: String

    init(_ code: Code, _ description: String) {
        self.code = code
        self.description = description
    }

    static func excerpt(_ text: some StringProtocol) -> String {
        HexError.excerpt(text)
    }
}
