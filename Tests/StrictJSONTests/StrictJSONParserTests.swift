import StrictJSON
import Testing

@Suite("StrictJSONParser")
struct StrictJSONParserTests {
    private func parse(_ text: String, maxDepth: Int = 64) throws(StrictJSONError) -> JSONValue {
        try StrictJSONParser(maxDepth: maxDepth).parse(Array(text.utf8))
    }

    @Test("reads every kind of value, numbers as written")
    func values() throws {
        let value = try parse(#" {"a": [1, -0.5e+3, 0, true, false, null], "b": "x\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00", "c": {}} "#)
        guard case .object(let object) = value else {
            Issue.record("not an object: \(value)")
            return
        }
        #expect(object.keys == ["a", "b", "c"])
        #expect(object["a"] == .array([.number("1"), .number("-0.5e+3"), .number("0"), .bool(true), .bool(false), .null]))
        #expect(object["b"] == .string("x\"\\/\u{8}\u{c}\n\r\té😀"))
        #expect(object["c"] == .object(JSONObject(members: [])))
        #expect(try parse("\"é\"") == .string("é"))
        #expect(try parse("[]") == .array([]))
    }

    @Test("refuses what lenient readers let through", arguments: [
        (#"{"data": "0x01", "data": "0x02"}"#, StrictJSONError.Code.duplicateKey),
        (#"{"a": {"k": 1, "k": 1}}"#, .duplicateKey),
        (#"{"a": 1} {"a": 2}"#, .trailingBytes),
        (#"{"a": 1},"#, .trailingBytes),
        ("[1, 2]x", .trailingBytes),
        (#"{"a": 1,}"#, .syntax),
        ("[1,]", .syntax),
        ("01", .syntax),
        ("-", .syntax),
        ("1.", .syntax),
        ("1e", .syntax),
        (".5", .syntax),
        ("NaN", .syntax),
        ("Infinity", .syntax),
        ("tru", .syntax),
        ("nul", .syntax),
        (#"{'a': 1}"#, .syntax),
        (#"{a: 1}"#, .syntax),
        ("\"a\tb\"", .syntax),
        (#""\x""#, .syntax),
        (#""\u12"#, .syntax),
        (#""\u12G4""#, .syntax),
        (#""abc"#, .syntax),
        ("", .syntax),
        ("   ", .syntax),
        (#""\ud800""#, .invalidText),
        (#""\udc00""#, .invalidText),
        (#""\ud800\u0041""#, .invalidText),
    ])
    func refused(text: String, code: StrictJSONError.Code) {
        let error = #expect(throws: StrictJSONError.self) { try parse(text) }
        #expect(error?.code == code, "\(text): \(String(describing: error))")
    }

    /// Small objects compare keys directly and large ones hash them: a repeat is found either
    /// way, also one spelled with an escape.
    @Test("finds a repeated key in objects of every size")
    func repeatedKeys() throws {
        for count in [2, 7, 8, 9, 20] {
            let keys = (0..<count).map { "k\($0)" }
            let distinct = "{" + keys.map { "\"\($0)\": 1" }.joined(separator: ", ") + "}"
            guard case .object(let object) = try parse(distinct) else {
                Issue.record("not an object")
                continue
            }
            #expect(object.keys == keys)
            for repeated in [0, count / 2, count - 1] {
                var spelled = keys
                spelled.append(keys[repeated])
                let text = "{" + spelled.map { "\"\($0)\": 1" }.joined(separator: ", ") + "}"
                let error = #expect(throws: StrictJSONError.self) { try parse(text) }
                #expect(error?.code == .duplicateKey, "\(count) keys, \(keys[repeated]) repeated last")
            }
        }
        let escaped = #expect(throws: StrictJSONError.self) { try parse(#"{"ka": 1, "k\u0061": 2}"#) }
        #expect(escaped?.code == .duplicateKey)
        let late = (0..<12).map { "\"k\($0)\": 1" }.joined(separator: ", ")
        let escapedLate = #expect(throws: StrictJSONError.self) { try parse("{" + late + #", "k\u0031": 2}"#) }
        #expect(escapedLate?.code == .duplicateKey)
    }

    @Test("reads strings with and without escapes, wherever the escape is")
    func escapesAnywhere() throws {
        #expect(try parse(#""plain""#) == .string("plain"))
        #expect(try parse(#""\nstart""#) == .string("\nstart"))
        #expect(try parse(#""end\n""#) == .string("end\n"))
        #expect(try parse(#""mid\u00e9dle""#) == .string("midédle"))
        #expect(try parse(#""""#) == .string(""))
    }

    @Test("refuses invalid UTF-8 inside strings")
    func invalidUTF8() {
        for bytes: [UInt8] in [[0x22, 0xFF, 0x22], [0x22, 0xC3, 0x22], [0x22, 0xED, 0xA0, 0x80, 0x22]] {
            let error = #expect(throws: StrictJSONError.self) { try StrictJSONParser().parse(bytes) }
            #expect(error?.code == .invalidText)
        }
    }

    @Test("bounds nesting, so 30,000 brackets cost nothing")
    func depth() throws {
        #expect(try parse(String(repeating: "[", count: 3) + String(repeating: "]", count: 3), maxDepth: 3) != .null)
        let error = #expect(throws: StrictJSONError.self) {
            try parse(String(repeating: "[", count: 4) + String(repeating: "]", count: 4), maxDepth: 3)
        }
        #expect(error?.code == .tooDeep)
        let deep = #expect(throws: StrictJSONError.self) {
            try parse(String(repeating: "[", count: 30_000) + String(repeating: "]", count: 30_000))
        }
        #expect(deep?.code == .tooDeep)
    }

    @Test("names the offset of the problem")
    func offset() {
        let error = #expect(throws: StrictJSONError.self) { try parse(#"{"a": 1, "a": 2}"#) }
        #expect(error?.offset == 9)
        #expect(error?.description.contains("\"a\" appears twice") == true)
    }
}

@Suite("JSONFields")
struct JSONFieldsTests {
    private func fields(_ text: String, allowed: Set<String>) throws -> JSONFields {
        try JSONFields(try StrictJSONParser().parse(Array(text.utf8)), allowed: allowed)
    }

    @Test("reads allowed string fields and names what is wrong")
    func fieldErrors() throws {
        let good = try fields(#"{"message_type": "f()", "data": "0x"}"#, allowed: ["message_type", "data"])
        #expect(try good.string("data") == "0x")
        #expect(try good.optionalString("other") == nil)

        let unknown = #expect(throws: JSONFieldError.self) {
            try fields(#"{"data": "0x", "gas": "1"}"#, allowed: ["message_type", "data"])
        }
        #expect(unknown?.code == .unknownField)
        #expect(unknown?.field == "gas")

        let notObject = #expect(throws: JSONFieldError.self) { try fields("[1]", allowed: []) }
        #expect(notObject?.code == .notAnObject)

        let missing = #expect(throws: JSONFieldError.self) {
            try fields(#"{"data": "0x"}"#, allowed: ["message_type", "data"]).string("message_type")
        }
        #expect(missing?.code == .missingField)

        let wrongType = #expect(throws: JSONFieldError.self) {
            try fields(#"{"data": 1}"#, allowed: ["data"]).string("data")
        }
        #expect(wrongType?.code == .wrongType)
        #expect(wrongType?.reason == "field \"data\" must be a string, got a number")
    }
}
