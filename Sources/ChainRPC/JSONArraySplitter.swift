/// Finds the byte ranges of a top-level JSON array's elements without decoding them, so each
/// element of a batch answer can be decoded as the type its own caller expects.
///
/// It only tracks strings, escapes and nesting; each element is validated later by the
/// decoder of its caller. Anything that is not one well-nested array (with optional
/// whitespace around it) gives nil, never a trap.
enum JSONArraySplitter {
    static func elements(of bytes: [UInt8]) -> [Range<Int>]? {
        var index = skipWhitespace(bytes, from: 0)
        guard index < bytes.count, bytes[index] == UInt8(ascii: "[") else { return nil }
        index = skipWhitespace(bytes, from: index + 1)
        var ranges: [Range<Int>] = []
        if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
            return skipWhitespace(bytes, from: index + 1) == bytes.count ? [] : nil
        }
        while index < bytes.count {
            guard let end = endOfValue(bytes, from: index), end > index else { return nil }
            ranges.append(index..<trimmedEnd(bytes, start: index, end: end))
            guard end < bytes.count else { return nil }
            if bytes[end] == UInt8(ascii: "]") {
                return skipWhitespace(bytes, from: end + 1) == bytes.count ? ranges : nil
            }
            // `endOfValue` stops only at a top-level comma or closing bracket.
            index = skipWhitespace(bytes, from: end + 1)
        }
        return nil
    }

    /// The index of the comma or `]` that ends the value starting at `start`, or nil when
    /// the brackets do not balance before the body ends.
    private static func endOfValue(_ bytes: [UInt8], from start: Int) -> Int? {
        var depth = 0
        var inString = false
        var escaped = false
        var index = start
        while index < bytes.count {
            let byte = bytes[index]
            if inString {
                if escaped {
                    escaped = false
                } else if byte == UInt8(ascii: "\\") {
                    escaped = true
                } else if byte == UInt8(ascii: "\"") {
                    inString = false
                }
            } else {
                switch byte {
                case UInt8(ascii: "\""): inString = true
                case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
                case UInt8(ascii: "}"), UInt8(ascii: "]"):
                    if depth == 0 { return byte == UInt8(ascii: "]") ? index : nil }
                    depth -= 1
                case UInt8(ascii: ","):
                    if depth == 0 { return index }
                default: break
                }
            }
            index += 1
        }
        return nil
    }

    private static func skipWhitespace(_ bytes: [UInt8], from start: Int) -> Int {
        var index = start
        while index < bytes.count, isWhitespace(bytes[index]) { index += 1 }
        return index
    }

    private static func trimmedEnd(_ bytes: [UInt8], start: Int, end: Int) -> Int {
        var index = end
        while index > start, isWhitespace(bytes[index - 1]) { index -= 1 }
        return index
    }

    private static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09
    }
}
