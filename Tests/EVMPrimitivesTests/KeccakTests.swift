import EVMPrimitives
import Testing

/// Expected digests computed with pycryptodome 4.4.0:
/// `Crypto.Hash.keccak.new(digest_bits=256, data=...).hexdigest()`.
/// Patterned inputs are `bytes(i % 251 for i in range(n))`.
/// The rate-boundary table and the unaligned 4 KB vector were generated once (all of them
/// re-checked) with two independent implementations in devchain's .venv that agree on every
/// one: pycryptodome 3.24.1 (`Crypto.Hash.keccak`) and safe-pysha3 1.0.7 (`sha3.keccak_256`, XKCP).
struct KeccakTests {
    static func pattern(_ count: Int) -> [UInt8] {
        (0..<count).map { UInt8($0 % 251) }
    }

    static func hex(_ data: [UInt8]) -> String {
        Hex.encode(Keccak256.hash(data), prefixed: false)
    }

    @Test func emptyInputUsesKeccakPaddingNotSHA3() {
        #expect(Self.hex([]) == "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470")
    }

    @Test func shortStrings() {
        #expect(Self.hex(Array("abc".utf8)) == "4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45")
        #expect(Self.hex(Array("The quick brown fox jumps over the lazy dog".utf8))
            == "4d741b6f1eb29cb2a9b9911c82f56fa8d73b04959d3d9d222895df6c0b28aa15")
    }

    @Test(arguments: [
        (0, "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470"),  // padding alone
        (1, "bc36789e7a1e281436464229828f817d6612f7b477d66591ff96a9e064bcc98a"),
        (135, "cbdfd9dee5faad3818d6b06f95a219fd290b0e1706f6a82e5a595b9ce9faca62"),  // both pad bits in one byte
        (136, "7ce759f1ab7f9ce437719970c26b0a66ff11fe3e38e17df89cf5d29c7d7f807e"),  // exactly one block
        (137, "ac73d4fae68b8453f764007c1a20ce95994187861f0c3227a3a8e99a73a3b1db"),
        (271, "27eceb59ebc3dc8a04a5b135be641591a7278540e4556a2ba9f408194e666ec3"),  // one block, then 135
        (272, "8e2476e65823b24d96ebe239f2c1534cdf763e689e2410c3b1cb0c74e6177bfc"),  // two full blocks
        (273, "3f02f134370e4debb95140ef49ddd3aed8c65ff1ed83a43f1b269421f179c5f9"),
        (1000, "af692982e84a5a9688359025660a7857cd28ee7c8d867cfa1677baf2e6d1f63b"),
        (4095, "bb2b0d1bce7396ea2476cf9bf9744ed61a52e6cfb4ee50037a8bf1c812d7359a"),
        (4096, "154a932bb08a718880807903c8724a2e293271f249bd8d7017eb0e9b456a218d"),  // 30 blocks and 16 bytes
        (4097, "59d5015ba6ac9c99a37af8425c89d4236df348aee58f4e9e9ddd6e75330e8611"),
        (65536, "5c8672dff277ec0f0321f710ce2e8756362daec795f5ff9bf7cb8c4e2e6fb2ec"),
    ])
    func blockBoundaries(count: Int, expected: String) {
        #expect(Self.hex(Self.pattern(count)) == expected)
    }

    @Test func oneMegabyte() {
        #expect(Self.hex(Self.pattern(1 << 20)) == "2fd6b833d9e25ae8d7dda1c3ed07af04df131ce89010c888534d4e825e40e875")
    }

    /// Full blocks are read with unaligned loads straight from the caller's buffer: a slice
    /// starting 3 bytes into an array puts every lane off its 8-byte boundary.
    @Test func unalignedInputHashesLikeAlignedInput() {
        let bytes = Self.pattern(4099)[3...]
        // bytes((i + 3) % 251 for i in range(4096))
        #expect(Hex.encode(Keccak256.hash(bytes), prefixed: false)
            == "cd2043dd6b8fff64896501c51291ebb763f7cd3273fe1512aa0607bbd4d34328")
    }

    @Test func nonContiguousCollectionsHashTheSameBytes() {
        let bytes = Self.pattern(300)
        let lazy = bytes.lazy.map { $0 }
        #expect(Keccak256.hash(lazy) == Keccak256.hash(bytes))
        #expect(Keccak256.hash(bytes[10..<150]) == Keccak256.hash(Array(bytes[10..<150])))
    }
}
