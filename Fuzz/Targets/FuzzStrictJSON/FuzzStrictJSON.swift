import FuzzSupport
import StrictJSON

/// The strict JSON parser every API body and topic message goes through.
///
/// Properties: an accepted value, written back as JSON, parses to the same value and writes
/// the same text again; its objects have unique keys and it nests no deeper than the limit; a
/// refusal points at an offset inside the input.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzStrictJSON(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = FuzzInput(data, size).bytes
    // A small limit too, so the depth check is reached by short inputs.
    for parser in [StrictJSONParser(), StrictJSONParser(maxDepth: 3)] {
        check(input, parser: parser)
    }
    return 0
}

private func check(_ input: [UInt8], parser: StrictJSONParser) {
    let value: JSONValue
    do {
        value = try parser.parse(input)
    } catch {
        require((0...input.count).contains(error.offset), "error offset \(error.offset) outside \(input.count) bytes")
        require(!error.reason.isEmpty, "a JSON error without a reason")
        return
    }
    require(depth(of: value) <= parser.maxDepth, "accepted nesting deeper than \(parser.maxDepth)")
    requireUniqueKeys(value)
    let written = write(value)
    do {
        let reread = try parser.parse(Array(written.utf8))
        require(reread == value, "\(written) parses to another value")
        require(write(reread) == written, "writing is not stable")
    } catch {
        fatalError("property violated: the value written back as \(written) does not parse: \(error)")
    }
}

private func depth(of value: JSONValue) -> Int {
    switch value {
    case .array(let elements): 1 + (elements.map(depth(of:)).max() ?? 0)
    case .object(let object): 1 + (object.members.map { depth(of: $0.value) }.max() ?? 0)
    default: 0
    }
}

private func requireUniqueKeys(_ value: JSONValue) {
    switch value {
    case .array(let elements):
        elements.forEach(requireUniqueKeys)
    case .object(let object):
        require(Set(object.keys).count == object.keys.count, "an accepted object repeats a key")
        object.members.forEach { requireUniqueKeys($0.value) }
    default:
        break
    }
}

/// Compact JSON: numbers as written, strings with only the escapes JSON requires.
private func write(_ value: JSONValue) -> String {
    switch value {
    case .null: "null"
    case .bool(let flag): flag ? "true" : "false"
    case .number(let literal): literal
    case .string(let text): quoted(text)
    case .array(let elements): "[" + elements.map(write).joined(separator: ",") + "]"
    case .object(let object): "{" + object.members.map { quoted($0.key) + ":" + write($0.value) }.joined(separator: ",") + "}"
    }
}

private func quoted(_ text: String) -> String {
    var result = "\""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\"": result += "\\\""
        case "\\": result += "\\\\"
        case "\u{0}"..."\u{1F}":
            let hex = String(scalar.value, radix: 16)
            result += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
        default: result.unicodeScalars.append(scalar)
        }
    }
    return result + "\""
}
