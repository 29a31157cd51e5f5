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

    /// A UUID (version 8) made of the digest's first 16 bytes.
    static func requestID(from digest: [UInt8]) -> RequestID {
        RequestID(digest: digest)
    }

    /// What makes two bodies "the same request": the canonical function and the data bytes, so
    /// that spacing, key order or parameter names in `message_type` do not matter.
    static func bodyDigest(function: String, data: [UInt8]) -> [UInt8] {
        Array(SHA256.hash(data: Array(function.utf8) + [0] + data))
    }
}
