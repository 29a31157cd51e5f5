import Foundation

/// One hostile request and the answer it must get: the status and the error code (or, for the
/// few that are fine, the `status` field of the accepted answer).
struct HostileRow: Sendable, CustomStringConvertible {
    let name: String
    let request: [UInt8]
    let status: Int
    /// `error.code`; nil for a 200, whose body must say `accepted`.
    let code: String?
    /// A header the answer must carry, e.g. `Allow: POST`.
    var header: (name: String, value: String)?
    /// Whether the client ends its side of the connection after the request (a body cut short).
    var halfClose = false

    var description: String { name }
}

extension HostileRow {
    static let uuid = "3f2a6c1e-8d4b-4e5f-9a7b-1c2d3e4f5a6b"
    static let body = Bodies.mission

    /// The table: headers, framing, methods and paths, bodies, and the calls the configuration
    /// refuses (the selector attack, a call over its gas limit).
    static let all: [HostileRow] = headers + framing + methodsAndPaths + bodies + calls

    static let headers: [HostileRow] = [
        // The one-header crash of issue 6: an empty preference list.
        HostileRow(name: "Prefer: ; with {}", request: Request.post("{}", headers: ["Prefer: ;"]), status: 400, code: "missing_field"),
        HostileRow(name: "Prefer: ; with a good body", request: Request.post(body, headers: ["Prefer: ;"]), status: 200, code: nil),
        HostileRow(name: "Prefer: ,;=, with {}", request: Request.post("{}", headers: ["Prefer: ,;=,;;"]), status: 400, code: "missing_field"),
        HostileRow(name: "Prefer: wait=20 digits", request: Request.post(body, headers: ["Prefer: wait=99999999999999999999"]), status: 400, code: "invalid_prefer_wait"),
        HostileRow(name: "Prefer: wait=-1", request: Request.post(body, headers: ["Prefer: wait=-1"]), status: 400, code: "invalid_prefer_wait"),
        HostileRow(name: "Prefer: wait=0", request: Request.post(body, headers: ["Prefer: wait=0"]), status: 400, code: "invalid_prefer_wait"),
        HostileRow(name: "Prefer: wait (no value)", request: Request.post(body, headers: ["Prefer: wait"]), status: 400, code: "invalid_prefer_wait"),
        HostileRow(name: "Prefer: wait=1e3", request: Request.post(body, headers: ["Prefer: respond-async, wait=1e3;x=y"]), status: 400, code: "invalid_prefer_wait"),
        HostileRow(name: "Idempotency-Key empty", request: Request.post(body, headers: ["Idempotency-Key:"]), status: 400, code: "invalid_idempotency_key"),
        HostileRow(name: "Idempotency-Key 256 bytes", request: Request.post(body, headers: ["Idempotency-Key: " + String(repeating: "k", count: 256)]), status: 400, code: "invalid_idempotency_key"),
        HostileRow(name: "Idempotency-Key not ASCII", request: Request.post(body, headers: ["Idempotency-Key: clé-été"]), status: 400, code: "invalid_idempotency_key"),
        HostileRow(name: "Idempotency-Key with a tab", request: Request.post(body, headers: ["Idempotency-Key: a\tb"]), status: 400, code: "invalid_idempotency_key"),
        HostileRow(name: "no API key", request: Request.post(body, apiKey: nil), status: 401, code: "missing_api_key"),
        HostileRow(name: "Authorization: Bearer without a key", request: Request.post(body, headers: ["Authorization: Bearer"], apiKey: nil), status: 401, code: "missing_api_key"),
        HostileRow(name: "Authorization: Basic", request: Request.post(body, headers: ["Authorization: Basic aG9zdGlsZQ=="], apiKey: nil), status: 401, code: "missing_api_key"),
        HostileRow(name: "a wrong API key", request: Request.post(body, apiKey: "guess"), status: 401, code: "invalid_api_key"),
        HostileRow(name: "a 4 KB API key", request: Request.post(body, apiKey: String(repeating: "x", count: 4096)), status: 401, code: "invalid_api_key"),
        HostileRow(name: "no Content-Type", request: Request.post(body, contentType: nil), status: 415, code: "unsupported_media_type"),
        HostileRow(name: "Content-Type: ;", request: Request.post(body, contentType: ";"), status: 415, code: "unsupported_media_type"),
        HostileRow(name: "Content-Type: text/plain", request: Request.post(body, contentType: "text/plain"), status: 415, code: "unsupported_media_type"),
        HostileRow(name: "200 headers", request: Request.post(body, headers: (0..<200).map { "X-Flood-\($0): y" }), status: 431, code: "headers_too_large"),
        HostileRow(name: "one 16 KB header", request: Request.post(body, headers: ["X-Big: " + String(repeating: "b", count: 16_384)]), status: 431, code: "headers_too_large"),
        HostileRow(name: "40 KB of headers", request: Request.post(body, headers: (0..<10).map { "X-Big-\($0): " + String(repeating: "b", count: 4000) }), status: 431, code: "headers_too_large"),
        HostileRow(name: "a header line without a colon", request: Request.raw("POST /transaction/broadcast HTTP/1.1\r\nHost: x\r\nno colon here\r\nContent-Length: 0\r\n\r\n"), status: 400, code: "invalid_header"),
        HostileRow(name: "a space in a header name", request: Request.raw("GET /healthz HTTP/1.1\r\nHost: x\r\nBad Name: v\r\n\r\n"), status: 400, code: "invalid_header"),
    ]

    static let framing: [HostileRow] = [
        HostileRow(name: "Content-Length: -1", request: Request.post(body, contentLength: "-1"), status: 400, code: "invalid_content_length"),
        HostileRow(name: "Content-Length: abc", request: Request.post(body, contentLength: "abc"), status: 400, code: "invalid_content_length"),
        HostileRow(name: "Content-Length of 20 digits", request: Request.post(body, contentLength: "99999999999999999999"), status: 400, code: "invalid_content_length"),
        HostileRow(name: "two different Content-Lengths", request: Request.post(body, headers: ["Content-Length: 3"]), status: 400, code: "invalid_content_length"),
        HostileRow(name: "Content-Length with Transfer-Encoding", request: Request.post(body, headers: ["Transfer-Encoding: chunked"]), status: 400, code: "malformed_request"),
        HostileRow(name: "Transfer-Encoding: gzip", request: Request.raw("POST /transaction/broadcast HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nX-API-Key: \(HostileAPI.apiKey)\r\nTransfer-Encoding: gzip\r\n\r\nxx"), status: 400, code: "malformed_request"),
        HostileRow(name: "chunk size -1", request: Request.chunked("-1\r\n{}\r\n0\r\n\r\n"), status: 400, code: "invalid_chunk_size"),
        HostileRow(name: "chunk size of 20 hex digits", request: Request.chunked("FFFFFFFFFFFFFFFFFFFF\r\n{}\r\n0\r\n\r\n"), status: 400, code: "invalid_chunk_size"),
        HostileRow(name: "chunk size zz", request: Request.chunked("zz\r\n{}\r\n0\r\n\r\n"), status: 400, code: "invalid_chunk_size"),
        HostileRow(name: "a good chunked body", request: Request.chunked(chunks(Array(body.utf8), size: 7) + "0\r\n\r\n"), status: 200, code: nil),
        HostileRow(name: "a 10 MB body (Content-Length)", request: Request.post(bytes: [UInt8](repeating: 0x20, count: 10 << 20)), status: 413, code: "body_too_large"),
        HostileRow(name: "a 10 MB chunked body", request: Request.chunked(chunks([UInt8](repeating: 0x20, count: 10 << 20), size: 65_536) + "0\r\n\r\n"), status: 413, code: "body_too_large"),
        HostileRow(name: "a body ended by the client mid-way", request: Request.post(String(body.prefix(40)), contentLength: "400"), status: 400, code: "incomplete_body", halfClose: true),
    ]

    static let methodsAndPaths: [HostileRow] = [
        HostileRow(name: "an invalid method", request: Request.raw("G@T /healthz HTTP/1.1\r\nHost: x\r\n\r\n"), status: 400, code: "invalid_method"),
        HostileRow(name: "an unknown method", request: Request.raw("BREW /transaction/broadcast HTTP/1.1\r\nHost: x\r\n\r\n"), status: 400, code: "invalid_method"),
        HostileRow(name: "an invalid HTTP version", request: Request.raw("GET /healthz HTTP/9.9\r\nHost: x\r\n\r\n"), status: 400, code: "invalid_version"),
        HostileRow(name: "a request line of spaces", request: Request.raw("     \r\n\r\n"), status: 400, code: "invalid_method"),
        HostileRow(name: "binary garbage", request: [0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03] + [UInt8](repeating: 0xAA, count: 64), status: 400, code: "invalid_method"),
        HostileRow(name: "a path with a control byte", request: Request.raw("GET /transaction/\u{01}x HTTP/1.1\r\nHost: x\r\n\r\n"), status: 400, code: "invalid_path"),
        HostileRow(name: "GET on the broadcast route", request: Request.get("/transaction/broadcast"), status: 405, code: "method_not_allowed", header: ("Allow", "POST")),
        HostileRow(name: "DELETE on the broadcast route", request: Request.get("/transaction/broadcast", method: "DELETE"), status: 405, code: "method_not_allowed", header: ("Allow", "POST")),
        HostileRow(name: "PUT on a transaction", request: Request.get("/transaction/\(uuid)", method: "PUT"), status: 405, code: "method_not_allowed", header: ("Allow", "GET")),
        HostileRow(name: "POST on /healthz", request: Request.post("{}", path: "/healthz"), status: 405, code: "method_not_allowed", header: ("Allow", "GET")),
        HostileRow(name: "a malformed id", request: Request.get("/transaction/not-a-uuid"), status: 400, code: "invalid_id"),
        HostileRow(name: "a percent-encoded id", request: Request.get("/transaction/%zz%00%ff"), status: 400, code: "invalid_id"),
        HostileRow(name: "an unknown id", request: Request.get("/transaction/\(uuid)"), status: 404, code: "unknown_request"),
        HostileRow(name: "dot segments", request: Request.get("/../../etc/passwd"), status: 404, code: "not_found"),
        HostileRow(name: "a 6 KB path", request: Request.get("/" + String(repeating: "p", count: 6000)), status: 404, code: "not_found"),
    ]

    static let bodies: [HostileRow] = [
        HostileRow(name: "data twice", request: Request.post(#"{"message_type": "\#(Bodies.addWeight)", "data": "0x00", "data": "\#(Bodies.missionData)"}"#), status: 400, code: "duplicate_key"),
        HostileRow(name: "message_type twice", request: Request.post(#"{"message_type": "transfer(address,uint256)", "message_type": "\#(Bodies.addWeight)", "data": "\#(Bodies.missionData)"}"#), status: 400, code: "duplicate_key"),
        HostileRow(name: "a key twice in another spelling", request: Request.post(#"{"message_type": "\#(Bodies.addWeight)", "data": "\#(Bodies.missionData)", "d\u0061ta": "0x00"}"#), status: 400, code: "duplicate_key"),
        HostileRow(name: "a second object after the first", request: Request.post(body + " {}"), status: 400, code: "trailing_bytes"),
        HostileRow(name: "garbage after the object", request: Request.post(body + "x"), status: 400, code: "trailing_bytes"),
        HostileRow(name: "an unknown field", request: Request.post(#"{"message_type": "\#(Bodies.addWeight)", "data": "\#(Bodies.missionData)", "to": "0x000000000000000000000000000000000000dEaD"}"#), status: 400, code: "unknown_field"),
        HostileRow(name: "30,000 nested arrays", request: Request.post(String(repeating: "[", count: 30_000) + String(repeating: "]", count: 30_000)), status: 400, code: "malformed_json"),
        HostileRow(name: "invalid UTF-8 in a string", request: Request.post(bytes: Array(#"{"message_type": ""#.utf8) + [0xff, 0xfe] + Array(#"", "data": "0x00"}"#.utf8)), status: 400, code: "malformed_json"),
        HostileRow(name: "an empty body", request: Request.post(""), status: 400, code: "malformed_json"),
        HostileRow(name: "data is a huge number", request: Request.post(#"{"message_type": "\#(Bodies.addWeight)", "data": 1e999999}"#), status: 400, code: "wrong_type"),
        HostileRow(name: "data not hex", request: Request.post(Bodies.body(data: "0xzz")), status: 400, code: "invalid_data"),
        HostileRow(name: "a 60 KB message_type", request: Request.post(Bodies.body("f(" + String(repeating: "uint256,", count: 7000) + "uint256)")), status: 400, code: "unknown_message_type"),
    ]

    static let calls: [HostileRow] = [
        // The selector attack: add_weight's argument shape under other functions' selectors.
        HostileRow(name: "add_weight data with approve(address,uint256)'s selector", request: Request.post(Bodies.body(data: Bodies.addWeightShaped(selector: "0x095ea7b3"))), status: 400, code: "selector_not_allowed"),
        HostileRow(name: "add_weight data with transferOwnership(address)'s selector", request: Request.post(Bodies.body(data: Bodies.addWeightShaped(selector: "0xf2fde38b"))), status: 400, code: "selector_not_allowed"),
        HostileRow(name: "add_weight data with keccak's own selector (not the pinned one)", request: Request.post(Bodies.body(data: Bodies.addWeightShaped(selector: "0x1c41742f"))), status: 400, code: "selector_not_allowed"),
        HostileRow(name: "store(bytes) data with approve's selector", request: Request.post(Bodies.body(Bodies.store, data: Bodies.storeCall([1, 2, 3], selector: [0x09, 0x5e, 0xa7, 0xb3]))), status: 400, code: "selector_not_allowed"),
        HostileRow(name: "16 KB of store(bytes) data over its 200,000 gas limit", request: Request.post(Bodies.body(Bodies.store, data: Bodies.storeCall([UInt8](repeating: 0xff, count: 16_384)))), status: 400, code: "exceeds_gas_limit"),
        HostileRow(name: "store(bytes) within its gas limit", request: Request.post(Bodies.body(Bodies.store, data: Bodies.storeCall(Array("hello".utf8)))), status: 200, code: nil),
        HostileRow(name: "an unknown message type", request: Request.post(Bodies.body("transfer(address to, uint256 amount)")), status: 400, code: "unknown_message_type"),
        HostileRow(name: "calldata one byte short", request: Request.post(Bodies.body(data: String(Bodies.missionData.dropLast(2)))), status: 400, code: "invalid_calldata"),
    ]

    /// `bytes` as chunks of at most `size`, each `<hex size>\r\n<bytes>\r\n`.
    static func chunks(_ bytes: [UInt8], size: Int) -> String {
        stride(from: 0, to: bytes.count, by: size).map { start in
            let piece = bytes[start..<min(start + size, bytes.count)]
            return String(piece.count, radix: 16) + "\r\n" + String(decoding: piece, as: UTF8.self) + "\r\n"
        }.joined()
    }
}
