/// Keccak-256 as Ethereum uses it: the original Keccak padding (0x01), not FIPS 202 SHA3's (0x06).
///
/// Hashes in place without heap allocation apart from the 32-byte result: the sponge state is a
/// struct of 25 lanes on the stack, and full blocks are absorbed straight from the caller's buffer.
public enum Keccak256 {
    /// The 32-byte Keccak-256 digest of `data`.
    public static func hash(_ data: some Collection<UInt8>) -> [UInt8] {
        if let digest = data.withContiguousStorageIfAvailable({ hash(buffer: UnsafeRawBufferPointer($0)) }) {
            return digest
        }
        return Array(data).withUnsafeBytes { hash(buffer: $0) }
    }

    /// Rate of Keccak-256 in bytes: 1600-bit state minus 2 × 256-bit capacity.
    static let rate = 136

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

/// The Keccak-f[1600] state: lane `aNN` is lane x + 5·y with NN = x + 5·y.
struct KeccakState {
    var a00, a01, a02, a03, a04, a05, a06, a07, a08, a09, a10, a11, a12, a13, a14, a15, a16, a17, a18, a19, a20, a21, a22, a23, a24: UInt64
    init() {
        (a00, a01, a02, a03, a04, a05, a06, a07, a08, a09, a10, a11, a12, a13, a14, a15, a16, a17, a18, a19, a20, a21, a22, a23, a24) = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
    }

    /// XORs one 136-byte block (17 little-endian lanes) into the state, then permutes.
    @inline(__always)
    mutating func absorb(block: UnsafeRawPointer) {
        @inline(__always) func lane(_ index: Int) -> UInt64 {
            UInt64(littleEndian: block.loadUnaligned(fromByteOffset: index * 8, as: UInt64.self))
        }
        a00 ^= lane(0)
        a01 ^= lane(1)
        a02 ^= lane(2)
        a03 ^= lane(3)
        a04 ^= lane(4)
        a05 ^= lane(5)
        a06 ^= lane(6)
        a07 ^= lane(7)
        a08 ^= lane(8)
        a09 ^= lane(9)
        a10 ^= lane(10)
        a11 ^= lane(11)
        a12 ^= lane(12)
        a13 ^= lane(13)
        a14 ^= lane(14)
        a15 ^= lane(15)
        a16 ^= lane(16)
        permute()
    }

    /// Keccak-f[1600]: 24 rounds of θ, ρ, π, χ, ι on locals, so the lanes stay in registers.
    mutating func permute() {
        var (a00, a01, a02, a03, a04, a05, a06, a07, a08, a09, a10, a11, a12, a13, a14, a15, a16, a17, a18, a19, a20, a21, a22, a23, a24) = (self.a00, self.a01, self.a02, self.a03, self.a04, self.a05, self.a06, self.a07, self.a08, self.a09, self.a10, self.a11, self.a12, self.a13, self.a14, self.a15, self.a16, self.a17, self.a18, self.a19, self.a20, self.a21, self.a22, self.a23, self.a24)
        for round in 0..<24 {
            let c0 = a00 ^ a05 ^ a10 ^ a15 ^ a20
            let c1 = a01 ^ a06 ^ a11 ^ a16 ^ a21
            let c2 = a02 ^ a07 ^ a12 ^ a17 ^ a22
            let c3 = a03 ^ a08 ^ a13 ^ a18 ^ a23
            let c4 = a04 ^ a09 ^ a14 ^ a19 ^ a24
            let d0 = c4 ^ rotl(c1, 1)
            let d1 = c0 ^ rotl(c2, 1)
            let d2 = c1 ^ rotl(c3, 1)
            let d3 = c2 ^ rotl(c4, 1)
            let d4 = c3 ^ rotl(c0, 1)
            let b00 = (a00 ^ d0)
            let b16 = rotl(a05 ^ d0, 36)
            let b07 = rotl(a10 ^ d0, 3)
            let b23 = rotl(a15 ^ d0, 41)
            let b14 = rotl(a20 ^ d0, 18)
            let b10 = rotl(a01 ^ d1, 1)
            let b01 = rotl(a06 ^ d1, 44)
            let b17 = rotl(a11 ^ d1, 10)
            let b08 = rotl(a16 ^ d1, 45)
            let b24 = rotl(a21 ^ d1, 2)
            let b20 = rotl(a02 ^ d2, 62)
            let b11 = rotl(a07 ^ d2, 6)
            let b02 = rotl(a12 ^ d2, 43)
            let b18 = rotl(a17 ^ d2, 15)
            let b09 = rotl(a22 ^ d2, 61)
            let b05 = rotl(a03 ^ d3, 28)
            let b21 = rotl(a08 ^ d3, 55)
            let b12 = rotl(a13 ^ d3, 25)
            let b03 = rotl(a18 ^ d3, 21)
            let b19 = rotl(a23 ^ d3, 56)
            let b15 = rotl(a04 ^ d4, 27)
            let b06 = rotl(a09 ^ d4, 20)
            let b22 = rotl(a14 ^ d4, 39)
            let b13 = rotl(a19 ^ d4, 8)
            let b04 = rotl(a24 ^ d4, 14)
            a00 = b00 ^ (~b01 & b02)
            a01 = b01 ^ (~b02 & b03)
            a02 = b02 ^ (~b03 & b04)
            a03 = b03 ^ (~b04 & b00)
            a04 = b04 ^ (~b00 & b01)
            a05 = b05 ^ (~b06 & b07)
            a06 = b06 ^ (~b07 & b08)
            a07 = b07 ^ (~b08 & b09)
            a08 = b08 ^ (~b09 & b05)
            a09 = b09 ^ (~b05 & b06)
            a10 = b10 ^ (~b11 & b12)
            a11 = b11 ^ (~b12 & b13)
            a12 = b12 ^ (~b13 & b14)
            a13 = b13 ^ (~b14 & b10)
            a14 = b14 ^ (~b10 & b11)
            a15 = b15 ^ (~b16 & b17)
            a16 = b16 ^ (~b17 & b18)
            a17 = b17 ^ (~b18 & b19)
            a18 = b18 ^ (~b19 & b15)
            a19 = b19 ^ (~b15 & b16)
            a20 = b20 ^ (~b21 & b22)
            a21 = b21 ^ (~b22 & b23)
            a22 = b22 ^ (~b23 & b24)
            a23 = b23 ^ (~b24 & b20)
            a24 = b24 ^ (~b20 & b21)
            a00 ^= keccakRoundConstants[round]
        }
        (self.a00, self.a01, self.a02, self.a03, self.a04, self.a05, self.a06, self.a07, self.a08, self.a09, self.a10, self.a11, self.a12, self.a13, self.a14, self.a15, self.a16, self.a17, self.a18, self.a19, self.a20, self.a21, self.a22, self.a23, self.a24) = (a00, a01, a02, a03, a04, a05, a06, a07, a08, a09, a10, a11, a12, a13, a14, a15, a16, a17, a18, a19, a20, a21, a22, a23, a24)
    }
}

@inline(__always)
private func rotl(_ x: UInt64, _ n: UInt64) -> UInt64 {
    (x &<< n) | (x &>> (64 &- n))
}

/// ι round constants, from the degree-8 LFSR of the Keccak reference.
private let keccakRoundConstants: [UInt64] = [
    0x0000000000000001, 0x0000000000008082, 0x800000000000808A, 0x8000000080008000,
    0x000000000000808B, 0x0000000080000001, 0x8000000080008081, 0x8000000000008009,
    0x000000000000008A, 0x0000000000000088, 0x0000000080008009, 0x000000008000000A,
    0x000000008000808B, 0x800000000000008B, 0x8000000000008089, 0x8000000000008003,
    0x8000000000008002, 0x8000000000000080, 0x000000000000800A, 0x800000008000000A,
    0x8000000080008081, 0x8000000000008080, 0x0000000080000001, 0x8000000080008008,
]
