import BroadcastModel
import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import StatusStore

/// An `Idempotency-Key` as presented: 1-255 visible ASCII characters.
struct IdempotencyKey: Hashable, Sendable {
    static let header = HTTPField.Name("Idempotency-Key")!

    let text: String

    /// The header's key, nil when absent; 400 when malformed.
    static func from(_ request: Request) throws(APIError) -> IdempotencyKey? {
        guard let text = request.headers[header] else { return nil }
        let visible = text.utf8.allSatisfy { (0x21...0x7E).contains($0) }
        guard (1...255).contains(text.utf8.count), visible else {
            throw .badRequest("invalid_idempotency_key", "Idempotency-Key must be 1-255 visible ASCII characters (no spaces), got \(text.utf8.count) bytes")
        }
        return IdempotencyKey(text: text)
    }

    /// The claim stored for this key: a digest of (caller, key), never the key itself; the
    /// request id derived from it, so that a repeat names the same request; and the body's digest.
    func claim(caller: CallerIdentity, bodyDigest: [UInt8], at date: Date) -> IdempotencyClaim {
        let digest = IdempotencyKeyDigest.digest(caller: caller.name, key: text)
        return IdempotencyClaim(keyHash: digest, requestID: Self.requestID(from: digest), bodyHash: bodyDigest, at: date)
    }

    /// A UUID (version 8, RFC 9562's custom layout) made of the digest's first 16 bytes.
    static func requestID(from digest: [UInt8]) -> RequestID {
        var bytes = Array(digest.prefix(16))
        bytes[6] = (bytes[6] & 0x0F) | 0x80
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        let uuid = UUID(uuid: (
            bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7],
            bytes[8], bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]))
        return RequestID(uuid)
    }

    /// What makes two bodies "the same request": the canonical function and the data bytes, so
    /// that spacing, key order or parameter names in `message_type` do not matter.
    static func bodyDigest(function: String, data: [UInt8]) -> [UInt8] {
        Array(SHA256.hash(data: Array(function.utf8) + [0] + data))
    }
}
