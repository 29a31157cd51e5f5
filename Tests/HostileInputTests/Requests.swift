import EVMPrimitives
import Foundation

/// Raw HTTP/1.1 requests, spelled out byte by byte.
enum Request {
    /// `POST path` with the suite's API key, a JSON content type and a correct Content-Length
    /// unless told otherwise; every request asks the server to close afterwards.
    static func post(
        _ body: String, path: String = "/transaction/broadcast", headers: [String] = [],
        contentType: String? = "application/json", apiKey: String? = HostileAPI.apiKey, contentLength: String? = nil
    ) -> [UInt8] {
        post(bytes: Array(body.utf8), path: path, headers: headers, contentType: contentType, apiKey: apiKey, contentLength: contentLength)
    }

    static func post(
        bytes body: [UInt8], path: String = "/transaction/broadcast", headers: [String] = [],
        contentType: String? = "application/json", apiKey: String? = HostileAPI.apiKey, contentLength: String? = nil
    ) -> [UInt8] {
        var lines = ["POST \(path) HTTP/1.1", "Host: 127.0.0.1", "Connection: close"]
        if let contentType { lines.append("Content-Type: \(contentType)") }
        if let apiKey { lines.append("X-API-Key: \(apiKey)") }
        lines.append("Content-Length: \(contentLength ?? String(body.count))")
        lines += headers
        return Array((lines.joined(separator: "\r\n") + "\r\n\r\n").utf8) + body
    }

    /// `POST` with a chunked body given as raw chunk text (sizes and all).
    static func chunked(_ chunks: String, headers: [String] = []) -> [UInt8] {
        let lines = [
            "POST /transaction/broadcast HTTP/1.1", "Host: 127.0.0.1", "Connection: close", "Content-Type: application/json",
            "X-API-Key: \(HostileAPI.apiKey)", "Transfer-Encoding: chunked",
        ] + headers
        return Array((lines.joined(separator: "\r\n") + "\r\n\r\n" + chunks).utf8)
    }

    static func get(_ path: String, method: String = "GET", headers: [String] = []) -> [UInt8] {
        let lines = ["\(method) \(path) HTTP/1.1", "Host: 127.0.0.1", "Connection: close", "X-API-Key: \(HostileAPI.apiKey)"] + headers
        return Array((lines.joined(separator: "\r\n") + "\r\n\r\n").utf8)
    }

    /// Exactly these bytes.
    static func raw(_ text: String) -> [UInt8] { Array(text.utf8) }
}

/// Bodies and calldata for the configured message types.
enum Bodies {
    static let addWeight = "add_weight(address _addr, uint256 _weight)"
    static let store = "store(bytes data)"
    /// The mission's example: add_weight with its pinned selector 0xd7136328.
    static let missionData = "0xd71363280000000000000000000000005eb715d601c2f27f83cb554b6b36e047822fb70a00000000000000000000000000000000000000000000000000000000000000fa"

    static func body(_ type: String = addWeight, data: String = missionData) -> String {
        #"{"message_type": "\#(type)", "data": "\#(data)"}"#
    }

    static let mission = body()

    /// `selector` followed by an address word and a uint256 word: the argument shape of
    /// add_weight, which approve(address,uint256) shares and transferOwnership(address) accepts.
    static func addWeightShaped(selector: String) -> String {
        selector + String(repeating: "0", count: 24) + "000000000000000000000000000000000000dEaD".lowercased()
            + String(repeating: "f", count: 64)
    }

    /// `store(bytes)` calldata carrying `data`, under `selector` (default: the signature's own).
    static func storeCall(_ data: [UInt8], selector: [UInt8]? = nil) -> String {
        let own = Array(Keccak256.hash(Array("store(bytes)".utf8)).prefix(4))
        var bytes = selector ?? own
        bytes += word(32) + word(UInt64(data.count)) + data
        bytes += [UInt8](repeating: 0, count: (32 - data.count % 32) % 32)
        return Hex.encode(bytes, prefixed: true)
    }

    private static func word(_ value: UInt64) -> [UInt8] {
        [UInt8](repeating: 0, count: 24) + withUnsafeBytes(of: value.bigEndian) { Array($0) }
    }
}
