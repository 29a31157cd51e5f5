import EVMPrimitives
import StrictJSON

/// The body of `POST /transaction/broadcast`, read strictly: one JSON object with exactly the
/// string fields `message_type` and `data`; a key given twice, an unknown field or bytes after
/// the object are refused, since a lenient reader would act on one of two meanings.
struct BroadcastBody: Equatable, Sendable {
    var messageType: String
    var data: Calldata

    static let fields: Set<String> = ["message_type", "data"]
    private static let example = "{\"message_type\": \"add_weight(address _addr, uint256 _weight)\", \"data\": \"0xd7136328…\"}"

    init(json bytes: some Collection<UInt8>) throws(APIError) {
        let value: JSONValue
        do {
            value = try StrictJSONParser().parse(bytes)
        } catch {
            switch error.code {
            case .duplicateKey:
                throw .badRequest("duplicate_key", "\(error.reason); send \(Self.example)")
            case .trailingBytes:
                throw .badRequest("trailing_bytes", "\(error); send exactly one JSON object")
            case .tooDeep:
                throw .badRequest("malformed_json", "\(error); send \(Self.example)")
            default:
                throw .badRequest("malformed_json", "the body is not valid JSON: \(error); send \(Self.example)")
            }
        }
        let fields: JSONFields
        do {
            fields = try JSONFields(value, allowed: Self.fields)
            messageType = try fields.string("message_type")
        } catch {
            throw Self.fieldError(error)
        }
        let hex: String
        do {
            hex = try fields.string("data")
        } catch {
            throw Self.fieldError(error)
        }
        do {
            data = try Calldata(hex: hex)
        } catch {
            throw .badRequest("invalid_data", "data is not 0x-prefixed hex of whole bytes: \(error)")
        }
    }

    private static func fieldError(_ error: JSONFieldError) -> APIError {
        switch error.code {
        case .notAnObject:
            .badRequest("not_an_object", "the body is JSON but not an object; send \(example)")
        case .unknownField:
            .badRequest("unknown_field", "\(error.reason); the body has exactly message_type and data")
        case .missingField:
            .badRequest("missing_field", "\(error.reason); send \(example)")
        case .wrongType:
            .badRequest("wrong_type", error.reason)
        }
    }
}
