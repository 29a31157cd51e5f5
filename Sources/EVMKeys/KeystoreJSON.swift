import EVMPrimitives
import Foundation

/// A JSON value, decoded without a fixed schema so each missing or mistyped field can be named.
enum JSONValue: Decodable, Sendable {
    case null
    case bool(Bool)
    case integer(Int)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int.self) {
            self = .integer(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    var kind: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .integer, .number: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }
}

/// One JSON object of a keystore, with accessors whose errors name the field by its dotted path.
struct KeystoreObject {
    let path: String
    let members: [String: JSONValue]

    /// The top-level object of a keystore document.
    init(parsing json: [UInt8]) throws(KeyLoadError) {
        let value: JSONValue
        do {
            value = try JSONDecoder().decode(JSONValue.self, from: Data(json))
        } catch {
            throw KeyLoadError(.malformedKeystore, "not valid JSON")
        }
        guard case .object(let members) = value else {
            throw KeyLoadError(.malformedKeystore, "expected a JSON object at the top level, found \(value.kind)")
        }
        self.init(path: "", members: members)
    }

    private init(path: String, members: [String: JSONValue]) {
        self.path = path
        self.members = members
    }

    func fieldPath(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    func has(_ key: String) -> Bool { members[key] != nil }

    func object(_ key: String) throws(KeyLoadError) -> KeystoreObject {
        guard case .object(let members) = try value(key) else { throw wrongType(key, expected: "an object") }
        return KeystoreObject(path: fieldPath(key), members: members)
    }

    func string(_ key: String) throws(KeyLoadError) -> String {
        guard case .string(let text) = try value(key) else { throw wrongType(key, expected: "a string") }
        return text
    }

    func integer(_ key: String) throws(KeyLoadError) -> Int {
        guard case .integer(let number) = try value(key) else { throw wrongType(key, expected: "an integer") }
        return number
    }

    /// A hex string field (with or without "0x"), optionally of an exact byte length.
    func hexBytes(_ key: String, count: Int? = nil) throws(KeyLoadError) -> [UInt8] {
        var text = Substring(try string(key))
        if text.hasPrefix("0x") || text.hasPrefix("0X") { text = text.dropFirst(2) }
        let bytes: [UInt8]
        do {
            bytes = try Hex.decode(text, requirePrefix: false)
        } catch {
            throw KeyLoadError(.malformedKeystore, "field \(fieldPath(key)) is not hex: \(error)")
        }
        if let count, bytes.count != count {
            throw KeyLoadError(
                .malformedKeystore,
                "field \(fieldPath(key)) has \(bytes.count) bytes, expected \(count)"
            )
        }
        return bytes
    }

    private func value(_ key: String) throws(KeyLoadError) -> JSONValue {
        guard let value = members[key] else {
            throw KeyLoadError(.malformedKeystore, "missing field \(fieldPath(key))")
        }
        return value
    }

    private func wrongType(_ key: String, expected: String) -> KeyLoadError {
        let found = members[key]?.kind ?? "nothing"
        return KeyLoadError(.malformedKeystore, "field \(fieldPath(key)) must be \(expected), found \(found)")
    }
}
