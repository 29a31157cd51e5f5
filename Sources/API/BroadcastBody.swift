import EVMPrimitives
import Foundation

/// The body of `POST /transaction/broadcast`, read strictly: a JSON object with exactly the
/// string fields `message_type` and `data`, nothing else.
struct BroadcastBody: Equatable, Sendable {
    var messageType: String
    var data: Calldata

    static let fields = ["message_type", "data"]

    init(json bytes: some Collection<UInt8>) throws(APIError) {
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed])
        } catch {
            throw .badRequest("malformed_json", "the body is not valid JSON; send an object such as {\"message_type\": \"add_weight(address,uint256)\", \"data\": \"0x…\"}")
        }
        guard let fields = object as? [String: Any] else {
            throw .badRequest("not_an_object", "the body is JSON but not an object; send {\"message_type\": …, \"data\": …}")
        }
        let unknown = fields.keys.filter { !Self.fields.contains($0) }.sorted()
        guard unknown.isEmpty else {
            throw .badRequest("unknown_field", "unknown field\(unknown.count == 1 ? "" : "s") \(unknown.map { "\"\($0)\"" }.joined(separator: ", ")); the body has exactly message_type and data")
        }
        messageType = try Self.string(fields, "message_type", example: "add_weight(address _addr, uint256 _weight)")
        let hex = try Self.string(fields, "data", example: "0xd7136328…")
        do {
            data = try Calldata(hex: hex)
        } catch {
            throw .badRequest("invalid_data", "data is not 0x-prefixed hex of whole bytes: \(error)")
        }
    }

    private static func string(_ fields: [String: Any], _ name: String, example: String) throws(APIError) -> String {
        guard let value = fields[name] else {
            throw .badRequest("missing_field", "missing field \"\(name)\"; give a string such as \"\(example)\"")
        }
        guard !(value is NSNumber), let text = value as? String else {
            throw .badRequest("wrong_type", "field \"\(name)\" must be a string, got \(Self.kind(of: value))")
        }
        return text
    }

    private static func kind(of value: Any) -> String {
        switch value {
        case is NSNull: "null"
        case is NSNumber: "a number or boolean"
        case is [Any]: "an array"
        case is [String: Any]: "an object"
        default: "another type"
        }
    }
}
