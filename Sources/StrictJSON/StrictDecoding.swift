import Foundation

/// Decodes a `Decodable` value only from strict JSON: the text must pass ``StrictJSONParser``
/// (no duplicate keys, nothing trailing) and be an object without keys outside `allowedKeys`,
/// which `JSONDecoder` alone would silently ignore.
public enum StrictDecoding {
    public static func decode<Value: Decodable>(
        _ type: Value.Type, from bytes: [UInt8], allowedKeys: Set<String>, using decoder: JSONDecoder,
        parser: StrictJSONParser = StrictJSONParser()
    ) throws -> Value {
        _ = try JSONFields(try parser.parse(bytes), allowed: allowedKeys)
        return try decoder.decode(type, from: Data(bytes))
    }
}
