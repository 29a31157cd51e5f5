import BroadcastModel
import Crypto
import EVMPrimitives

extension RetryClickKey {
    /// A fresh key for one confirmation form: 128 random bits from the system's generator, as hex.
    static func random() -> RetryClickKey {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<2).flatMap { _ in withUnsafeBytes(of: generator.next() as UInt64, Array.init) }
        return RetryClickKey(trusted: Hex.encode(bytes, prefixed: false))
    }

    /// The key of one item of a bulk retry: the same for every run of the operation, so a run
    /// resumed after a restart names the retry it may already have made.
    static func bulk(operation: BulkRetryID, request: RequestID) -> RetryClickKey {
        let digest = SHA256.hash(data: Array("broadcaster.bulk-retry\u{0}\(operation)\u{0}\(request)".utf8))
        return RetryClickKey(trusted: "bulk-\(operation)-" + Hex.encode(Array(digest.prefix(16)), prefixed: false))
    }

    /// For the keys made here: hex digits (and the bulk prefix), visible ASCII of 32 to 57
    /// characters, which `init?(_:)` always takes.
    private init(trusted text: String) {
        self.text = text
    }
}

extension RequestID {
    /// The retry of `original` that `clickKey` makes: a UUID (version 8) of
    /// SHA-256("broadcaster.retry\0" original "\0" click key), laid out like the API's ids of
    /// an `Idempotency-Key`, so a repeated click names the same request.
    static func retry(of original: RequestID, clickKey: RetryClickKey) -> RequestID {
        RequestID(digest: Array(SHA256.hash(data: Array("broadcaster.retry\u{0}\(original)\u{0}\(clickKey.text)".utf8))))
    }
}
