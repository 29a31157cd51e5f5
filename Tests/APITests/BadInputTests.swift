import API
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// Every malformed request gets its 4xx, a stable code and a reason that says what is wrong.
@Suite("Bad input", .serialized)
struct BadInputTests {
    struct Row: Sendable, CustomStringConvertible {
        var name: String
        var method: HTTPRequest.Method = .post
        var uri = "/transaction/broadcast"
        var contentType: String? = "application/json"
        var headers: HTTPFields = [:]
        var body: String
        var status: HTTPResponse.Status
        var code: String
        /// Words the reason must contain.
        var reason: [String]
        var description: String { name }
    }

    static let data = APIHarness.missionData
    static func body(_ type: String = "add_weight(address _addr, uint256 _weight)", data: String = data) -> String {
        #"{"message_type": "\#(type)", "data": "\#(data)"}"#
    }

    static let rows: [Row] = [
        Row(name: "no content type", contentType: nil, body: body(), status: .unsupportedMediaType, code: "unsupported_media_type", reason: ["application/json", "none"]),
        Row(name: "text/plain", contentType: "text/plain", body: body(), status: .unsupportedMediaType, code: "unsupported_media_type", reason: ["text/plain"]),
        Row(name: "malformed JSON", body: #"{"message_type": "#, status: .badRequest, code: "malformed_json", reason: ["not valid JSON"]),
        Row(name: "empty body", body: "", status: .badRequest, code: "malformed_json", reason: ["not valid JSON"]),
        Row(name: "array", body: "[1, 2]", status: .badRequest, code: "not_an_object", reason: ["not an object"]),
        Row(name: "string", body: #""hello""#, status: .badRequest, code: "not_an_object", reason: ["not an object"]),
        Row(name: "unknown field", body: #"{"message_type": "add_weight(address,uint256)", "data": "\#(data)", "gas": 5}"#, status: .badRequest, code: "unknown_field", reason: ["\"gas\""]),
        Row(name: "missing data", body: #"{"message_type": "add_weight(address,uint256)"}"#, status: .badRequest, code: "missing_field", reason: ["\"data\""]),
        Row(name: "missing message_type", body: #"{"data": "\#(data)"}"#, status: .badRequest, code: "missing_field", reason: ["\"message_type\""]),
        Row(name: "data is a number", body: #"{"message_type": "add_weight(address,uint256)", "data": 12}"#, status: .badRequest, code: "wrong_type", reason: ["\"data\"", "number"]),
        Row(name: "message_type is null", body: #"{"message_type": null, "data": "0x00"}"#, status: .badRequest, code: "wrong_type", reason: ["\"message_type\"", "null"]),
        Row(name: "data not hex", body: body(data: "0xzz"), status: .badRequest, code: "invalid_data", reason: ["data"]),
        Row(name: "data odd length", body: body(data: "0xabc"), status: .badRequest, code: "invalid_data", reason: ["data"]),
        Row(name: "data without 0x", body: body(data: String(data.dropFirst(2))), status: .badRequest, code: "invalid_data", reason: ["0x"]),
        Row(name: "unknown message type", body: body("transfer(address to, uint256 amount)"), status: .badRequest, code: "unknown_message_type", reason: ["transfer", "add_weight(address,uint256)"]),
        Row(name: "unparsable signature", body: body("add_weight(address"), status: .badRequest, code: "invalid_message_type", reason: ["not a function signature"]),
        Row(name: "truncated calldata", body: body(data: String(data.dropLast(64))), status: .badRequest, code: "invalid_calldata", reason: ["argument 2", "_weight"]),
        Row(name: "dirty address word", body: body(data: "0xd7136328ff" + data.dropFirst(12)), status: .badRequest, code: "invalid_calldata", reason: ["argument 1", "_addr"]),
        Row(name: "selector only", body: body(data: "0xd7136328"), status: .badRequest, code: "invalid_calldata", reason: ["argument 1"]),
        Row(name: "body over the limit", body: body(data: "0x" + String(repeating: "00", count: 600)), status: .contentTooLarge, code: "body_too_large", reason: ["1024 bytes"]),
        Row(name: "Prefer wait=0", headers: [HTTPField.Name("Prefer")!: "wait=0"], body: body(), status: .badRequest, code: "invalid_prefer_wait", reason: ["1 to 30"]),
        Row(name: "Prefer wait over max", headers: [HTTPField.Name("Prefer")!: "wait=31"], body: body(), status: .badRequest, code: "invalid_prefer_wait", reason: ["wait=31"]),
        Row(name: "Prefer wait not a number", headers: [HTTPField.Name("Prefer")!: "wait=soon"], body: body(), status: .badRequest, code: "invalid_prefer_wait", reason: ["wait=soon"]),
        Row(name: "Idempotency-Key too long", headers: [HTTPField.Name("Idempotency-Key")!: String(repeating: "k", count: 256)], body: body(), status: .badRequest, code: "invalid_idempotency_key", reason: ["1-255"]),
        Row(name: "Idempotency-Key with a space", headers: [HTTPField.Name("Idempotency-Key")!: "a b"], body: body(), status: .badRequest, code: "invalid_idempotency_key", reason: ["visible"]),
        Row(name: "malformed id", method: .get, uri: "/transaction/not-a-uuid", body: "", status: .badRequest, code: "invalid_id", reason: ["not-a-uuid"]),
        Row(name: "unknown id", method: .get, uri: "/transaction/3f2a6c1e-8d4b-4e5f-9a7b-1c2d3e4f5a6b", body: "", status: .notFound, code: "unknown_request", reason: ["not processed yet"]),
        Row(name: "unknown route", method: .get, uri: "/nope", body: "", status: .notFound, code: "not_found", reason: ["/nope"]),
        Row(name: "data twice", body: #"{"message_type": "add_weight(address,uint256)", "data": "0x00", "data": "\#(data)"}"#, status: .badRequest, code: "duplicate_key", reason: ["data"]),
        Row(name: "message_type twice", body: #"{"message_type": "x()", "message_type": "add_weight(address,uint256)", "data": "\#(data)"}"#, status: .badRequest, code: "duplicate_key", reason: ["message_type"]),
        Row(name: "trailing bytes", body: body() + "{}", status: .badRequest, code: "trailing_bytes", reason: ["one JSON object"]),
        Row(name: "Prefer: ; is ignored", headers: [HTTPField.Name("Prefer")!: ";"], body: "{}", status: .badRequest, code: "missing_field", reason: ["\"message_type\""]),
        Row(name: "GET on the broadcast route", method: .get, uri: "/transaction/broadcast", body: "", status: .methodNotAllowed, code: "method_not_allowed", reason: ["GET", "POST"]),
        Row(name: "DELETE on /healthz", method: .delete, uri: "/healthz", body: "", status: .methodNotAllowed, code: "method_not_allowed", reason: ["DELETE", "GET"]),
    ]

    @Test("the bad-input table, then the service is still healthy and accepts a good request")
    func table() async throws {
        try await APIHarness.run { _, client in
            for row in Self.rows {
                var headers = row.headers
                if let contentType = row.contentType { headers[.contentType] = contentType }
                let response = try await client.execute(
                    uri: row.uri, method: row.method, headers: headers,
                    body: row.method == .post ? ByteBuffer(string: row.body) : nil)
                #expect(response.status == row.status, "\(row.name): \(response.text)")
                let error = try response.error()
                #expect(error.code == row.code, "\(row.name): \(response.text)")
                for word in row.reason {
                    #expect(error.reason.contains(word), "\(row.name): reason \"\(error.reason)\" lacks \"\(word)\"")
                }
                #expect(response.headers[.contentType]?.hasPrefix("application/json") == true, "\(row.name)")
                if row.status == .methodNotAllowed {
                    #expect(response.headers[.allow] != nil, "\(row.name): no Allow header")
                }
            }
            let health = try await client.execute(uri: "/healthz", method: .get)
            #expect(health.status == .ok)
            let good = try await client.broadcast(APIHarness.missionBody)
            #expect(good.status == .ok, "\(good.text)")
        }
    }
}
