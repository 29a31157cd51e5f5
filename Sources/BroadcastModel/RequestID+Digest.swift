import Foundation

extension RequestID {
    /// A UUID (version 8, RFC 9562's custom layout) made of a digest's first 16 bytes: the id of
    /// a request named by something its caller repeats (an `Idempotency-Key`, a retry's click
    /// key), so that the repeat names the same request. A digest shorter than 16 bytes is padded
    /// with zeros (SHA-256's has 32).
    public init(digest: some Collection<UInt8>) {
        var bytes = Array(digest.prefix(16))
        bytes += [UInt8](repeating: 0, count: 16 - bytes.count)
        bytes[6] = (bytes[6] & 0x0F) | 0x80
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        self.init(UUID(uuid: (
            bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7],
            bytes[8], bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15])))
    }
}
