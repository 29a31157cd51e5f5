import HTTPTypes
import HummingbirdCore
import NIOHTTP1

/// A request whose bytes are not HTTP the decoder can read: the client's mistake, so a 4xx
/// with what was wrong, never a 500.
enum FramingError {
    /// The answer to a decoder or connection error met while reading a request.
    static func apiError(_ error: any Error) -> APIError {
        guard let parserError = error as? HTTPParserError else {
            return APIError(.badRequest, code: "malformed_request", reason: "the request cannot be read as HTTP/1.1 (\(error)); send a well-formed request")
        }
        switch parserError {
        case .headerOverflow:
            let limits = GuardedHTTP1Channel.headerLimits
            return APIError(
                .requestHeaderFieldsTooLarge, code: "headers_too_large",
                reason: "the request's headers exceed the limit (\(limits.maxHeaderFieldCount) fields, \(limits.maxHeaderFieldSize) bytes each, \(limits.maxHeaderListSize) bytes in all)")
        case .invalidMethod:
            return .badRequest("invalid_method", "the request method is not an HTTP method; the API serves GET and POST")
        case .invalidURL:
            return .badRequest("invalid_path", "the request target is not a valid path; see the routes: POST /transaction/broadcast, GET /transaction/{id}")
        case .invalidVersion:
            return .badRequest("invalid_version", "the request line does not end in HTTP/1.0 or HTTP/1.1")
        case .invalidHeaderToken, .invalidCharactersUsed, .lfExpected, .invalidConstant, .strictModeAssertion:
            return .badRequest("invalid_header", "a header line is malformed (\(parserError)); send name: value lines ending in CRLF")
        case .invalidContentLength, .unexpectedContentLength:
            return .badRequest("invalid_content_length", "Content-Length is not one non-negative decimal number matching the body, or comes with Transfer-Encoding")
        case .invalidChunkSize:
            return .badRequest("invalid_chunk_size", "a chunk size of the chunked body is not a hexadecimal number the server accepts; send chunks as <hex size>CRLF<bytes>CRLF")
        case .invalidEOFState, .closedConnection:
            return incompleteBody
        case .unknown:
            return .badRequest(
                "malformed_request",
                "the request cannot be read as HTTP/1.1: a Transfer-Encoding other than chunked, Transfer-Encoding with Content-Length, or a line not ending in CRLF; send Content-Length or chunked, not both")
        default:
            return APIError(.badRequest, code: "malformed_request", reason: "the request cannot be read as HTTP/1.1 (\(parserError)); send a well-formed request")
        }
    }

    /// The answer when reading a body failed: its framing was wrong, or the connection ended
    /// (or failed) before the body did.
    static func bodyError(_ error: any Error) -> APIError {
        error is HTTPParserError ? apiError(error) : incompleteBody
    }

    /// The connection ended, or failed, before the body did.
    static let incompleteBody = APIError.badRequest(
        "incomplete_body", "the connection ended before the request's body did; send the whole body")
}
