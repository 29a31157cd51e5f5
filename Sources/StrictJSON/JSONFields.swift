/// One JSON object read field by field: only the allowed keys, each of the expected type, with
/// an error that names the field and what was found instead.
///
/// ```swift
/// let fields = try JSONFields(value, allowed: ["message_type", "data"])
/// let data = try fields.string("data")
/// ```
public struct JSONFields: Sendable {
    public let object: JSONObject

    /// Requires `value` to be an object with no key outside `allowed`.
    public init(_ value: JSONValue, allowed: Set<String>) throws(JSONFieldError) {
        guard case .object(let object) = value else {
            throw JSONFieldError(.notAnObject, field: nil, "expected a JSON object, got \(value.kind)")
        }
        let unknown = object.keys.filter { !allowed.contains($0) }
        guard unknown.isEmpty else {
            let names = unknown.map { "\"\($0)\"" }.joined(separator: ", ")
            let known = allowed.sorted().joined(separator: ", ")
            throw JSONFieldError(
                .unknownField, field: unknown.first,
                "unknown field\(unknown.count == 1 ? "" : "s") \(names); the object has only \(known)")
        }
        self.object = object
    }

    public func contains(_ key: String) -> Bool { object[key] != nil }

    /// The string at `key`; throws if it is missing or not a string.
    public func string(_ key: String) throws(JSONFieldError) -> String {
        guard let value = object[key] else {
            throw JSONFieldError(.missingField, field: key, "missing field \"\(key)\"")
        }
        guard case .string(let text) = value else {
            throw JSONFieldError(.wrongType, field: key, "field \"\(key)\" must be a string, got \(value.kind)")
        }
        return text
    }

    /// The string at `key`, nil when absent or null; throws if it is another type.
    public func optionalString(_ key: String) throws(JSONFieldError) -> String? {
        guard let value = object[key], value != .null else { return nil }
        return try string(key)
    }
}

/// Why an object does not have the fields expected of it.
public struct JSONFieldError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Code: String, Hashable, Sendable {
        case notAnObject = "not_an_object"
        case unknownField = "unknown_field"
        case missingField = "missing_field"
        case wrongType = "wrong_type"
    }

    public let code: Code
    public let field: String?
    public let reason: String

    public init(_ code: Code, field: String?, _ reason: String) {
        self.code = code
        self.field = field
        self.reason = reason
    }

    public var description: String { reason }
}
