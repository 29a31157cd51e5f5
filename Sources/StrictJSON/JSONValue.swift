/// A JSON value read by ``StrictJSONParser``: numbers keep their literal text, so nothing is
/// rounded on the way in, and objects keep their members in the order written.
public indirect enum JSONValue: Hashable, Sendable {
    case null
    case bool(Bool)
    /// The number exactly as written (`-12.5e3`); the caller chooses how to read it.
    case number(String)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)

    /// What kind of value this is, for error messages ("a number", "an object").
    public var kind: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .number: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }
}

/// A JSON object whose keys are unique (the parser refuses duplicates), in the order written.
public struct JSONObject: Hashable, Sendable {
    public struct Member: Hashable, Sendable {
        public let key: String
        public let value: JSONValue
    }

    public let members: [Member]

    public init(members: [Member]) {
        self.members = members
    }

    public var keys: [String] { members.map(\.key) }

    public subscript(key: String) -> JSONValue? {
        members.first { $0.key == key }?.value
    }
}
