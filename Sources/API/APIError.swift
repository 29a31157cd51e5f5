import Admission
import Foundation
import HTTPTypes
import Hummingbird

/// Every error answer of the API: a status and `{"error": {"code": "...", "reason": "..."}}`,
/// whose reason tells the caller what was wrong with the request and what to do.
public struct APIError: HTTPResponseError, CustomStringConvertible, Sendable {
    public var status: HTTPResponse.Status
    /// A stable, machine-readable word, e.g. `unknown_message_type`.
    public var code: String
    public var reason: String
    public var headers: HTTPFields

    public init(_ status: HTTPResponse.Status, code: String, reason: String, headers: HTTPFields = [:]) {
        self.status = status
        self.code = code
        self.reason = reason
        self.headers = headers
    }

    public var description: String { "\(status.code) \(code): \(reason)" }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        JSONBody.response(status, ErrorBody(error: .init(code: code, reason: reason)), headers: headers)
    }

    static func badRequest(_ code: String, _ reason: String) -> APIError {
        APIError(.badRequest, code: code, reason: reason)
    }

    /// A request the configuration does not allow: 400 with the admission's code and reason
    /// (a missing sender address is ours, not the caller's: 500).
    init(_ error: AdmissionError) {
        if error.code == .noSender {
            self.init(.internalServerError, code: "internal", reason: error.reason)
        } else {
            self.init(.badRequest, code: error.code.name, reason: error.reason)
        }
    }
}

/// The JSON shape of every error answer.
struct ErrorBody: Codable, Equatable, Sendable {
    struct Detail: Codable, Equatable, Sendable {
        var code: String
        var reason: String
    }

    var error: Detail
}

/// Encodes answers the same way everywhere: sorted keys, ISO 8601 dates, unescaped slashes.
enum JSONBody {
    static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }

    static func response(_ status: HTTPResponse.Status, _ value: some Encodable, headers: HTTPFields = [:]) -> Response {
        Answer.json(status, value, headers: headers).response
    }
}

/// A complete answer as bytes: what is sent, and what is kept so that an idempotent repeat
/// gets it again byte for byte.
struct Answer: Sendable {
    var status: HTTPResponse.Status
    var headers: HTTPFields
    var body: [UInt8]

    static func json(_ status: HTTPResponse.Status, _ value: some Encodable, headers: HTTPFields = [:]) -> Answer {
        // Encoding our own value types cannot fail; fall back to an empty object rather than crash.
        let data = (try? JSONBody.encoder().encode(value)) ?? Data("{}".utf8)
        var fields = headers
        fields[.contentType] = "application/json; charset=utf-8"
        return Answer(status: status, headers: fields, body: Array(data))
    }

    var response: Response {
        Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
    }
}
