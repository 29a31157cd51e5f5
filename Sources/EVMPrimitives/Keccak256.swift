/// Keccak-256 as Ethereum uses it: the original Keccak padding (0x01), not FIPS 202 SHA3's (0x06).
///
/// Hashes in place without heap allocation apart from the 32-byte result: the sponge state is a
/// struct of 25 lanes on the stack, and full blocks are absorbed straight from the caller's buffer.
public enum Keccak256 {
    /// The 32-byte Keccak-256 digest of `data`.
    ///
    /// Inlinable so that callers in other modules get it specialized for their collection
    /// (an array's bytes are then hashed in place, with no generic dispatch per call).
    @inlinable
    public static func hash(_ data: some Collection<UInt8>) -> [UInt8] {
        if let digest = data.withContiguousStorageIfAvailable({ hash(buffer: UnsafeRawBufferPointer($0)) }) {
            return digest
        }
        return Array(data).withUnsafeBytes { hash(buffer: $0) }
    }

    /// Rate of Keccak-256 in bytes: 1600-bit state minus 2 × 256-bit capacity.
    static let rate = 136

    @usableFromInline
    static func hash(buffer: UnsafeRawBufferPointer) -> [UInt8] {
        var state = KeccakState()
        var offset = 0
        if let base = buffer.baseAddress {
            while buffer.count - offset >= rate {
                state.absorb(block: base + offset)
                offset += rate
            }
        }
        // The last, partial block (possibly empty) is padded in a stack buffer: 0x01 after the
        // message, 0x80 in the last byte of the block; both land in one byte when 135 bytes remain.
        withUnsafeTemporaryAllocation(byteCount: rate, alignment: 8) { block in
            block.initializeMemory(as: UInt8.self, repeating: 0)
            let remaining = buffer.count - offset
            if remaining > 0, let base = buffer.baseAddress {
                block.baseAddress!.copyMemory(from: base + offset, byteCount: remaining)
            }
            block[remaining] ^= 0x01
            block[rate - 1] ^= 0x80
            state.absorb(block: UnsafeRawPointer(block.baseAddress!))
        }
        return [UInt8](unsafeUninitializedCapacity: 32) { digest, count in
            let raw = UnsafeMutableRawPointer(digest.baseAddress!)
            raw.storeBytes(of: state.a00.littleEndian, toByteOffset: 0, as: UInt64.self)
            raw.storeBytes(of: state.a01.littleEndian, toByteOffset: 8, as: UInt64.self)
            raw.storeBytes(of: state.a02.littleEndian, toByteOffset: 16, as: UInt64.self)
            raw.storeBytes(of: state.a03.littleEndian, toByteOffset: 24, as: UInt64.self)
            count = 32
        }
    }
}
