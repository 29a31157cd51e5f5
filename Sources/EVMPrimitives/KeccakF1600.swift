/// The Keccak-f[1600] state: lane `aNN` is lane x + 5·y with NN = x + 5·y.
struct KeccakState {
    var a00, a01, a02, a03, a04, a05, a06, a07, a08, a09, a10, a11, a12, a13, a14, a15, a16, a17, a18, a19, a20, a21, a22, a23, a24: UInt64

    /// XORs one 136-byte block (17 little-endian lanes) into the state, then permutes.
    @inline(__always)
    mutating func absorb(block: UnsafeRawPointer) {
        @inline(__always) func lane(_ index: Int) -> UInt64 {
            UInt64(littleEndian: block.loadUnaligned(fromByteOffset: index &* 8, as: UInt64.self))
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

    /// Keccak-f[1600]: 24 rounds, two per turn of the loop so the lanes stay in registers and
    /// stack slots without being shuffled back at every round.
    ///
    /// The rounds run on a lane-complemented state (lanes 1, 2, 8, 12, 17 and 20 held as their
    /// bitwise NOT), which lets χ's `b ^ (~b' & b'')` be computed with a plain AND or OR for 20 of
    /// the 25 lanes: a round costs 5 NOTs instead of 25. θ, ρ and π are XORs and rotations, which
    /// carry a complement through unchanged, so the same six lanes come out complemented.
    mutating func permute() {
        var lanes = self
        lanes.complementSixLanes()
        for round in stride(from: 0, to: 24, by: 2) {
            let (first, second) = keccakRoundConstants(round)
            lanes = lanes.complementedRound(first).complementedRound(second)
        }
        lanes.complementSixLanes()
        self = lanes
    }

    @inline(__always)
    private mutating func complementSixLanes() {
        a01 = ~a01
        a02 = ~a02
        a08 = ~a08
        a12 = ~a12
        a17 = ~a17
        a20 = ~a20
    }

    /// One round (θ, ρ, π, χ, ι) from and to the lane-complemented state.
    ///
    /// θ: the column parities `c` of the complemented state are complemented for columns 0-3
    /// (an odd number of their lanes are), so `d0` and `d3` come out complemented and `d1`, `d2`,
    /// `d4` plain. ρ and π then give each output row its five `b` lanes, some complemented; χ
    /// per row picks AND or OR (De Morgan: `~x & y == ~(x | ~y)`) so that the result lands in
    /// its lane's complemented-or-not form, with a NOT only where no such choice exists.
    @inline(__always)
    private func complementedRound(_ constant: UInt64) -> KeccakState {
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

        // Row 0: b00, b02, b03 are held complemented; a01, a02 come out complemented.
        let b00 = a00 ^ d0
        let b01 = rotl(a06 ^ d1, 44)
        let b02 = rotl(a12 ^ d2, 43)
        let b03 = rotl(a18 ^ d3, 21)
        let b04 = rotl(a24 ^ d4, 14)
        let e00 = b00 ^ (b01 | b02) ^ constant
        let e01 = b01 ^ (~b02 | b03)
        let e02 = b02 ^ (b03 & b04)
        let e03 = b03 ^ (b04 | b00)
        let e04 = b04 ^ (b00 & b01)

        // Row 1: b10, b12 are held complemented; a08 comes out complemented.
        let b10 = rotl(a03 ^ d3, 28)
        let b11 = rotl(a09 ^ d4, 20)
        let b12 = rotl(a10 ^ d0, 3)
        let b13 = rotl(a16 ^ d1, 45)
        let b14 = rotl(a22 ^ d2, 61)
        let e05 = b10 ^ (b11 | b12)
        let e06 = b11 ^ (b12 & b13)
        let e07 = b12 ^ (b13 | ~b14)
        let e08 = b13 ^ (b14 | b10)
        let e09 = b14 ^ (b10 & b11)

        // Row 2: b20, b22 are held complemented; a12 comes out complemented.
        let b20 = rotl(a01 ^ d1, 1)
        let b21 = rotl(a07 ^ d2, 6)
        let b22 = rotl(a13 ^ d3, 25)
        let b23 = rotl(a19 ^ d4, 8)
        let b24 = rotl(a20 ^ d0, 18)
        let notB23 = ~b23
        let e10 = b20 ^ (b21 | b22)
        let e11 = b21 ^ (b22 & b23)
        let e12 = b22 ^ (notB23 & b24)
        let e13 = notB23 ^ (b24 | b20)
        let e14 = b24 ^ (b20 & b21)

        // Row 3: b31, b33, b34 are held complemented; a17 comes out complemented.
        let b30 = rotl(a04 ^ d4, 27)
        let b31 = rotl(a05 ^ d0, 36)
        let b32 = rotl(a11 ^ d1, 10)
        let b33 = rotl(a17 ^ d2, 15)
        let b34 = rotl(a23 ^ d3, 56)
        let notB33 = ~b33
        let e15 = b30 ^ (b31 & b32)
        let e16 = b31 ^ (b32 | b33)
        let e17 = b32 ^ (notB33 | b34)
        let e18 = notB33 ^ (b34 & b30)
        let e19 = b34 ^ (b30 | b31)

        // Row 4: b40, b43 are held complemented; a20 comes out complemented.
        let b40 = rotl(a02 ^ d2, 62)
        let b41 = rotl(a08 ^ d3, 55)
        let b42 = rotl(a14 ^ d4, 39)
        let b43 = rotl(a15 ^ d0, 41)
        let b44 = rotl(a21 ^ d1, 2)
        let notB41 = ~b41
        let e20 = b40 ^ (notB41 & b42)
        let e21 = notB41 ^ (b42 | b43)
        let e22 = b42 ^ (b43 & b44)
        let e23 = b43 ^ (b44 | b40)
        let e24 = b44 ^ (b40 & b41)
        return KeccakState(
            a00: e00, a01: e01, a02: e02, a03: e03, a04: e04, a05: e05, a06: e06, a07: e07, a08: e08, a09: e09,
            a10: e10, a11: e11, a12: e12, a13: e13, a14: e14, a15: e15, a16: e16, a17: e17, a18: e18, a19: e19,
            a20: e20, a21: e21, a22: e22, a23: e23, a24: e24
        )
    }
}

extension KeccakState {
    /// The all-zero state a sponge starts from. (Declared here so the memberwise initializer,
    /// which each round builds its result with, stays available.)
    init() {
        self.init(
            a00: 0, a01: 0, a02: 0, a03: 0, a04: 0, a05: 0, a06: 0, a07: 0, a08: 0, a09: 0, a10: 0, a11: 0, a12: 0,
            a13: 0, a14: 0, a15: 0, a16: 0, a17: 0, a18: 0, a19: 0, a20: 0, a21: 0, a22: 0, a23: 0, a24: 0
        )
    }
}

/// A rotation by a constant; compiles to one `rol` (x86-64) or `ror` (arm64).
@inline(__always)
private func rotl(_ x: UInt64, _ n: UInt64) -> UInt64 {
    (x &<< n) | (x &>> (64 &- n))
}

/// ι's constants for rounds `round` and `round + 1` (`round` even, below 24).
@inline(__always)
private func keccakRoundConstants(_ round: Int) -> (UInt64, UInt64) {
    roundConstants.withUnsafeBufferPointer { ($0[round], $0[round &+ 1]) }
}

/// ι round constants, from the degree-8 LFSR of the Keccak reference.
private let roundConstants: [UInt64] = [
    0x0000000000000001, 0x0000000000008082, 0x800000000000808A, 0x8000000080008000,
    0x000000000000808B, 0x0000000080000001, 0x8000000080008081, 0x8000000000008009,
    0x000000000000008A, 0x0000000000000088, 0x0000000080008009, 0x000000008000000A,
    0x000000008000808B, 0x800000000000008B, 0x8000000000008089, 0x8000000000008003,
    0x8000000000008002, 0x8000000000000080, 0x000000000000800A, 0x800000008000000A,
    0x8000000080008081, 0x8000000000008080, 0x0000000080000001, 0x8000000080008008,
]
