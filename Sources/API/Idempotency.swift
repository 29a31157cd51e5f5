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
        guard IdempotencyKeyDigest.isKey(text) else {
            throw .badRequest("invalid_idempotency_key", "Idempotency-Key must be 1-255 visible ASCII characters (no spaces), got \(text.utf8.count) bytes")
        }
        return IdempotencyKey(text: text)
    }

    /// The claim stored for this key: a digest of (caller, key), never the key itself; the
    /// request id derived from it, so that a repeat names the same request; and the body's digest.
    func claim(caller: CallerIdentity, bodyDigest: [UInt8], at date: Date) -> IdempotencyClaim {
        let digest = IdempotencyKeyDigest.digest(caller: caller.name, key: text)
        return IdempotencyClaim(keyHash: digest, requestID: RequestID(digest: digest), bodyHash: bodyDigest, at: date)
    }

    /// What makes two bodies "the same request": the canonical function and the data bytes, so
    /// that spacing, key order or parameter names in `message_type` do not matter.
    static func bodyDigest(function: String, data: [UInt8]) -> [UInt8] {
        Array(SHA256.hash(data: Array(function.utf8) + [0] + data))
    }
}
