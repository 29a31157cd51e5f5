import Foundation

/// One JSON-RPC 2.0 call without its `id`: the endpoint's batcher numbers the calls of a
/// batch when it sends them (see ``EndpointBatcher/body(of:plain:)``).
struct JSONRPCCall: Encodable {
    let jsonrpc = "2.0"
    let method: String
    let params: [JSONValue]
}

/// The error member of a JSON-RPC answer.
struct JSONRPCErrorObject: Decodable {
    let code: Int
    let message: String
    let data: JSONValue?
}

/// A JSON-RPC answer: a result of type `Result`, or an error object.
struct JSONRPCResponse<Result: Decodable>: Decodable {
    enum Outcome {
        case result(Result)
        case error(JSONRPCErrorObject)
    }

    let outcome: Outcome

    private enum CodingKeys: String, CodingKey { case result, error }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        if let error = try container.decodeIfPresent(JSONRPCErrorObject.self, forKey: .error) {
            outcome = .error(error)
        } else if container.contains(.result) {
            // Decoding `Optional<T>` turns a `null` result into nil rather than an error.
            outcome = .result(try container.decode(Result.self, forKey: .result))
        } else {
            throw DecodingError.keyNotFound(
                CodingKeys.result,
                .init(codingPath: [], debugDescription: "neither \"result\" nor \"error\" in the answer"))
        }
    }
}

/// Turns one HTTP answer into a result or an ``RPCFailure``; pure, so fixtures can test it.
enum JSONRPCResponseParser {
    /// How much of an unexpected body is quoted in failures.
    static let excerptLength = 200

    static func parse<Result: Decodable>(
        status: Int,
        body: some Collection<UInt8>,
        as type: Result.Type
    ) -> Swift.Result<Result, RPCFailure> {
        let data = Data(body)
        let decoded = Swift.Result { try JSONDecoder().decode(JSONRPCResponse<Result>.self, from: data) }
        switch (decoded, (200..<300).contains(status)) {
        case (.success(let response), _):
            switch response.outcome {
            case .error(let error):
                return .failure(.rpcError(code: error.code, message: error.message, data: error.data?.description))
            case .result(let result) where (200..<300).contains(status):
                return .success(result)
            case .result:
                return .failure(.httpStatus(code: status, bodyExcerpt: excerpt(of: data)))
            }
        case (.failure, false):
            return .failure(.httpStatus(code: status, bodyExcerpt: excerpt(of: data)))
        case (.failure(let error), true):
            return .failure(.malformedResponse(reason: "\(describe(error)); body: \(excerpt(of: data))"))
        }
    }

    /// The start of a body on one line, for operators; never the whole of a large body.
    static func excerpt(of data: Data) -> String {
        let text = String(decoding: data.prefix(excerptLength), as: UTF8.self)
            .replacingOccurrences(of: "\n", with: " ")
            .replacingOccurrences(of: "\r", with: " ")
        return data.count > excerptLength ? text + "…" : text
    }

    private static func describe(_ error: any Error) -> String {
        guard let decodingError = error as? DecodingError else { return "not JSON" }
        switch decodingError {
        case .dataCorrupted(let context) where context.codingPath.isEmpty:
            return "not JSON"
        case .dataCorrupted(let context), .keyNotFound(_, let context),
            .typeMismatch(_, let context), .valueNotFound(_, let context):
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            return path.isEmpty ? context.debugDescription : "\(path): \(context.debugDescription)"
        @unknown default:
            return "undecodable answer"
        }
    }
}
