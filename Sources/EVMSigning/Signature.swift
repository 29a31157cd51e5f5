/// A recoverable secp256k1 ECDSA signature as Ethereum transactions carry it.
public struct Signature: Hashable, Sendable {
    /// r, 32 bytes big-endian.
    public let r: [UInt8]
    /// s, 32 bytes big-endian; always at most n/2 (EIP-2 low-s).
    public let s: [UInt8]
    /// The recovery id: 0 or 1, the parity of the nonce point's y coordinate.
    public let yParity: UInt8

    /// From libsecp256k1's compact form r || s, which is already validated.
    init(unchecked compact: [UInt8], yParity: UInt8) {
        self.r = Array(compact[0..<32])
        self.s = Array(compact[32..<64])
        self.yParity = yParity
    }

    /// From decoded values, enforcing 1 <= r < n, 1 <= s <= n/2 and yParity in {0, 1}.
    init(r: [UInt8], s: [UInt8], yParity: UInt64) throws(TransactionDecodingError) {
        guard yParity <= 1 else { throw .invalidSignature("yParity must be 0 or 1, got \(yParity)") }
        guard r.count <= 32, s.count <= 32 else { throw .invalidSignature("r and s must fit in 32 bytes") }
        let r = Self.leftPadded(r), s = Self.leftPadded(s)
        let zero = [UInt8](repeating: 0, count: 32)
        guard r != zero, r.lexicographicallyPrecedes(Secp256k1.order) else {
            throw .invalidSignature("r must be between 1 and n-1")
        }
        guard s != zero else { throw .invalidSignature("s must not be 0") }
        guard !Secp256k1.halfOrder.lexicographicallyPrecedes(s) else {
            throw .highS
        }
        self.r = r
        self.s = s
        self.yParity = UInt8(yParity)
    }

    private static func leftPadded(_ bytes: [UInt8]) -> [UInt8] {
        [UInt8](repeating: 0, count: 32 - bytes.count) + bytes
    }
}
