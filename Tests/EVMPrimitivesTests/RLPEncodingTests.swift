import BigInt
import EVMPrimitives
import Testing

/// Vectors from ethereum/tests RLPTests/rlptest.json, plus round trips.
struct RLPEncodingTests {
    static func string(_ text: String) -> RLPItem { .bytes(Array(text.utf8)) }

    static let lorem = "Lorem ipsum dolor sit amet, consectetur adipisicing elit"  // 56 bytes: first long string

    static let vectors: [(String, RLPItem, String)] = [
        ("emptystring", .bytes([]), "80"),
        ("bytestring00", .bytes([0x00]), "00"),
        ("bytestring01", .bytes([0x01]), "01"),
        ("bytestring7F", .bytes([0x7f]), "7f"),
        ("shortstring", string("dog"), "83646f67"),
        ("shortstring2 (55 bytes)", string(String(lorem.dropLast())),
         "b74c6f72656d20697073756d20646f6c6f722073697420616d65742c20636f6e7365637465747572206164697069736963696e6720656c69"),
        ("longstring (56 bytes)", string(lorem),
         "b8384c6f72656d20697073756d20646f6c6f722073697420616d65742c20636f6e7365637465747572206164697069736963696e6720656c6974"),
        ("zero", .uint(UInt64(0)), "80"),
        ("smallint", .uint(UInt64(1)), "01"),
        ("smallint2", .uint(UInt64(15)), "0f"),
        ("smallint3", .uint(UInt64(127)), "7f"),
        ("mediumint1", .uint(UInt64(128)), "8180"),
        ("mediumint2", .uint(UInt64(1024)), "820400"),
        ("mediumint3", .uint(UInt64(100_000)), "830186a0"),
        ("bigint", .uint(BigUInt("83729609699884896815286331701780722", radix: 10)!), "8f102030405060708090a0b0c0d0e0f2"),
        ("emptylist", .list([]), "c0"),
        ("stringlist", .list([string("cat"), string("dog")]), "c88363617483646f67"),
        ("multilist", .list([string("zw"), .list([.uint(UInt64(4))]), .uint(UInt64(1))]), "c6827a77c10401"),
        ("listsoflists", .list([.list([.list([]), .list([])]), .list([])]), "c4c2c0c0c0"),
        ("listsoflists2 (set-theoretic 3)",
         .list([.list([]), .list([.list([])]), .list([.list([]), .list([.list([])])])]), "c7c0c1c0c3c0c1c0"),
        ("shortListMax1 (55-byte payload)", .list(Array(repeating: ["asdf", "qwer", "zxcv"], count: 4).joined().prefix(11).map(string)),
         "f784617364668471776572847a78637684617364668471776572847a78637684617364668471776572847a78637684617364668471776572"),
        ("longList1 (60-byte payload)", .list(Array(repeating: ["asdf", "qwer", "zxcv"], count: 4).joined().map(string)),
         "f83c84617364668471776572847a78637684617364668471776572847a78637684617364668471776572847a78637684617364668471776572847a786376"),
    ]

    @Test(arguments: vectors)
    func encodesAndDecodesVector(name: String, item: RLPItem, hex: String) throws {
        let expected = try Hex.decode(hex, requirePrefix: false)
        #expect(item.encoded() == expected, "\(name)")
        #expect(item.encodedLength == expected.count, "\(name)")
        #expect(try RLPItem.decode(expected) == item, "\(name)")
    }

    @Test func longPayloadsUseMultiByteLengths() throws {
        let kilobyte = RLPItem.bytes([UInt8](repeating: 0xaa, count: 1024))
        let encoded = kilobyte.encoded()
        #expect(Array(encoded.prefix(3)) == [0xb9, 0x04, 0x00])
        #expect(try RLPItem.decode(encoded) == kilobyte)

        let bigList = RLPItem.list(Array(repeating: kilobyte, count: 70))  // 71,890-byte payload
        let listEncoding = bigList.encoded()
        #expect(Array(listEncoding.prefix(4)) == [0xfa, 0x01, 0x18, 0xd2])
        #expect(try RLPItem.decode(listEncoding) == bigList)
    }

    @Test func encodeIntoAppends() {
        var buffer: [UInt8] = [0xff]
        RLPItem.uint(UInt64(1024)).encode(into: &buffer)
        #expect(buffer == [0xff, 0x82, 0x04, 0x00])
    }

    @Test(arguments: [UInt64(0), 1, 0x7f, 0x80, 0xff, 0x100, 0xffff_ffff, UInt64.max])
    func integersRoundTrip(value: UInt64) throws {
        let decoded = try RLPItem.decode(RLPItem.uint(value).encoded())
        #expect(try decoded.asUInt64() == value)
        #expect(try decoded.asBigUInt() == BigUInt(value))
        #expect(RLPItem.uint(BigUInt(value)) == RLPItem.uint(value))
    }

    @Test func bigIntegersRoundTrip() throws {
        let max = (BigUInt(1) << 256) - 1
        let item = try RLPItem.decode(RLPItem.uint(max).encoded())
        #expect(try item.asBigUInt() == max)
        #expect(throws: RLPError.self) { try item.asUInt64() }
    }
}
