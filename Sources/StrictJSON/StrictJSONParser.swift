/// Reads JSON (RFC 8259) strictly: one value, optionally surrounded by whitespace, nothing
/// after it; no duplicate keys in any object; valid UTF-8 and no lone surrogates; nesting
/// bounded by `maxDepth`. Every failure is a ``StrictJSONError`` naming the offset and reason.
///
/// Lenient readers (Foundation's among them) keep the last of two equal keys, which lets one
/// body mean two things to two components; this one refuses it.
///
/// ```swift
/// let value = try StrictJSONParser().parse(Array(#"{"data": "0x01"}"#.utf8))
/// value  // .object(["data": .string("0x01")])
/// ```
public struct StrictJSONParser: Sendable {
    /// Arrays and objects nested deeper than this are refused (the stack stays small).
    public var maxDepth: Int

    public init(maxDepth: Int = 64) {
        self.maxDepth = max(1, maxDepth)
    }

    public func parse(_ bytes: some Collection<UInt8>) throws(StrictJSONError) -> JSONValue {
        var reader = Reader(bytes: Array(bytes), maxDepth: maxDepth)
        reader.skipWhitespace()
        let value = try reader.value(depth: 0)
        reader.skipWhitespace()
        guard reader.atEnd else {
            throw StrictJSONError(.trailingBytes, at: reader.index, "unexpected bytes after the JSON value; send exactly one value")
        }
        return value
    }
}

private struct Reader {
    let bytes: [UInt8]
    let maxDepth: Int
    var index = 0

    init(bytes: [UInt8], maxDepth: Int) {
        self.bytes = bytes
        self.maxDepth = maxDepth
    }

    var atEnd: Bool { index >= bytes.count }
    var current: UInt8? { index < bytes.count ? bytes[index] : nil }

    mutating func skipWhitespace() {
        while let byte = current, byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D { index += 1 }
    }

    mutating func value(depth: Int) throws(StrictJSONError) -> JSONValue {
        guard let byte = current else { throw syntax("the text ends where a value should start") }
        switch byte {
        case UInt8(ascii: "{"): return .object(try object(depth: depth + 1))
        case UInt8(ascii: "["): return .array(try array(depth: depth + 1))
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try number())
        default: throw syntax("unexpected \(describe(byte)) where a value should start")
        }
    }

    private mutating func object(depth: Int) throws(StrictJSONError) -> JSONObject {
        try checkDepth(depth)
        index += 1  // {
        var members: [JSONObject.Member] = []
        // Hashing every key costs more than comparing a few: the set is built only for objects
        // with many keys.
        var seen: Set<String>?
        skipWhitespace()
        if current == UInt8(ascii: "}") {
            index += 1
            return JSONObject(members: members)
        }
        while true {
            skipWhitespace()
            guard current == UInt8(ascii: "\"") else { throw syntax("expected a quoted key in the object") }
            let keyOffset = index
            let key = try string()
            if seen == nil, members.count >= Self.keysComparedDirectly { seen = Set(members.map(\.key)) }
            let isRepeated = if let inserted = seen?.insert(key).inserted { !inserted } else { members.contains { $0.key == key } }
            guard !isRepeated else {
                throw StrictJSONError(.duplicateKey, at: keyOffset, "the key \"\(key)\" appears twice in one object; give each key once")
            }
            skipWhitespace()
            guard current == UInt8(ascii: ":") else { throw syntax("expected ':' after the key \"\(key)\"") }
            index += 1
            skipWhitespace()
            members.append(JSONObject.Member(key: key, value: try value(depth: depth)))
            skipWhitespace()
            switch current {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "}"): index += 1; return JSONObject(members: members)
            default: throw syntax("expected ',' or '}' in the object")
            }
        }
    }

    /// Up to this many keys, a new key is compared with each earlier one.
    private static let keysComparedDirectly = 8

    private mutating func array(depth: Int) throws(StrictJSONError) -> [JSONValue] {
        try checkDepth(depth)
        index += 1  // [
        var elements: [JSONValue] = []
        skipWhitespace()
        if current == UInt8(ascii: "]") {
            index += 1
            return elements
        }
        while true {
            skipWhitespace()
            elements.append(try value(depth: depth))
            skipWhitespace()
            switch current {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "]"): index += 1; return elements
            default: throw syntax("expected ',' or ']' in the array")
            }
        }
    }

    private func checkDepth(_ depth: Int) throws(StrictJSONError) {
        guard depth <= maxDepth else {
            throw StrictJSONError(.tooDeep, at: index, "arrays and objects nest deeper than \(maxDepth) levels")
        }
    }

    private mutating func literal(_ word: String) throws(StrictJSONError) {
        let expected = word.utf8
        guard bytes.count - index >= expected.count, bytes[index..<index + expected.count].elementsEqual(expected) else {
            throw syntax("unexpected token; did you mean \(word)?")
        }
        index += expected.count
    }

    private mutating func number() throws(StrictJSONError) -> String {
        let start = index
        if current == UInt8(ascii: "-") { index += 1 }
        guard let first = current, isDigit(first) else { throw syntax("a number needs a digit after '-'") }
        index += 1
        if first == UInt8(ascii: "0"), let next = current, isDigit(next) {
            throw syntax("a number may not have leading zeros")
        }
        skipDigits()
        if current == UInt8(ascii: ".") {
            index += 1
            guard let digit = current, isDigit(digit) else { throw syntax("a number needs digits after '.'") }
            skipDigits()
        }
        if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
            index += 1
            if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { index += 1 }
            guard let digit = current, isDigit(digit) else { throw syntax("a number needs digits in its exponent") }
            skipDigits()
        }
        // ASCII only, so the bytes are valid UTF-8.
        return String(decoding: bytes[start..<index], as: UTF8.self)
    }

    private mutating func skipDigits() {
        while let byte = current, isDigit(byte) { index += 1 }
    }

    private func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

    private mutating func string() throws(StrictJSONError) -> String {
        let start = index
        index += 1  // "
        // Most strings hold no escape: they are validated straight from the input.
        var end = index
        while end < bytes.count, bytes[end] != UInt8(ascii: "\""), bytes[end] != UInt8(ascii: "\\"), bytes[end] >= 0x20 {
            end += 1
        }
        if end < bytes.count, bytes[end] == UInt8(ascii: "\"") {
            guard let text = String(validating: bytes[index..<end], as: UTF8.self) else {
                throw StrictJSONError(.invalidText, at: start, "the string starting here is not valid UTF-8")
            }
            index = end + 1
            return text
        }
        var utf8 = Array(bytes[index..<end])
        index = end
        while true {
            guard let byte = current else {
                throw StrictJSONError(.syntax, at: start, "a string starting here is never closed")
            }
            switch byte {
            case UInt8(ascii: "\""):
                index += 1
                guard let text = String(validating: utf8, as: UTF8.self) else {
                    throw StrictJSONError(.invalidText, at: start, "the string starting here is not valid UTF-8")
                }
                return text
            case UInt8(ascii: "\\"):
                index += 1
                try escape(into: &utf8)
            case 0..<0x20:
                throw syntax("a control character (\(describe(byte))) must be escaped inside a string")
            default:
                utf8.append(byte)
                index += 1
            }
        }
    }

    private mutating func escape(into utf8: inout [UInt8]) throws(StrictJSONError) {
        guard let byte = current else { throw syntax("the text ends inside an escape") }
        index += 1
        let simple: UInt8? = switch byte {
        case UInt8(ascii: "\""): UInt8(ascii: "\"")
        case UInt8(ascii: "\\"): UInt8(ascii: "\\")
        case UInt8(ascii: "/"): UInt8(ascii: "/")
        case UInt8(ascii: "b"): 0x08
        case UInt8(ascii: "f"): 0x0C
        case UInt8(ascii: "n"): 0x0A
        case UInt8(ascii: "r"): 0x0D
        case UInt8(ascii: "t"): 0x09
        default: nil
        }
        if let simple {
            utf8.append(simple)
            return
        }
        guard byte == UInt8(ascii: "u") else { throw syntax("\\\(describe(byte)) is not a JSON escape") }
        let unit = try hexUnit()
        let scalarValue: UInt32
        switch unit {
        case 0xD800...0xDBFF:
            guard current == UInt8(ascii: "\\"), index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "u") else {
                throw StrictJSONError(.invalidText, at: index, "a \\u escape names a lone high surrogate")
            }
            index += 2
            let low = try hexUnit()
            guard (0xDC00...0xDFFF).contains(low) else {
                throw StrictJSONError(.invalidText, at: index, "a high surrogate is not followed by a low one")
            }
            scalarValue = 0x10000 + ((UInt32(unit) - 0xD800) << 10) + (UInt32(low) - 0xDC00)
        case 0xDC00...0xDFFF:
            throw StrictJSONError(.invalidText, at: index, "a \\u escape names a lone low surrogate")
        default:
            scalarValue = UInt32(unit)
        }
        guard let scalar = Unicode.Scalar(scalarValue) else {
            throw StrictJSONError(.invalidText, at: index, "a \\u escape names no Unicode scalar")
        }
        utf8.append(contentsOf: Array(String(Character(scalar)).utf8))
    }

    private mutating func hexUnit() throws(StrictJSONError) -> UInt16 {
        guard bytes.count - index >= 4 else { throw syntax("a \\u escape needs 4 hex digits") }
        var unit: UInt16 = 0
        for _ in 0..<4 {
            let byte = bytes[index]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw syntax("a \\u escape needs 4 hex digits")
            }
            unit = unit << 4 | UInt16(digit)
            index += 1
        }
        return unit
    }

    private func syntax(_ reason: String) -> StrictJSONError {
        StrictJSONError(.syntax, at: index, reason)
    }

    private func describe(_ byte: UInt8) -> String {
        (0x21..<0x7F).contains(byte) ? "'\(Character(Unicode.Scalar(byte)))'" : "byte 0x\(String(byte, radix: 16))"
    }
}
