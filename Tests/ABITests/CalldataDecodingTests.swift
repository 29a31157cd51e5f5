import ABI
import BigInt
import EVMPrimitives
import Testing

@Suite struct CalldataDecodingTests {
    let validator = CalldataValidator()

    /// The mission's example data starts with 0xd7136328, which is not the selector of
    /// add_weight(address,uint256) (0x1c41742f): refused by default, decoded once pinned.
    @Test func decodesTheMissionExampleUnderItsPinnedSelector() throws {
        let signature = try FunctionSignature(parsing: "add_weight(address _addr, uint256 _weight)")
        let data = try Hex.decode("0xd71363280000000000000000000000005eb715d601c2f27f83cb554b6b36e047822fb70a00000000000000000000000000000000000000000000000000000000000000fa")
        #expect(throws: CalldataError.self) {
            _ = try validator.validate(data: data, against: signature)
        }

        let call = try CalldataValidator(selectorRule: .pinned(try Selector(hex: "0xd7136328"))).validate(data: data, against: signature)
        #expect(!call.selectorMatches)
        #expect(call.selector == [0xd7, 0x13, 0x63, 0x28])
        #expect(call.arguments == [
            .address(try Address("0x5eb715d601c2f27f83cb554b6b36e047822fb70a")),
            .uint(250, bits: 256),
        ])
    }

    @Test func acceptsTheMissionArgumentsUnderTheRightSelector() throws {
        let signature = try FunctionSignature(parsing: "add_weight(address _addr, uint256 _weight)")
        let data = calldata("1c41742f", word("5eb715d601c2f27f83cb554b6b36e047822fb70a"), word("fa"))
        let call = try validator.validate(data: data, against: signature)
        #expect(call.selectorMatches)
        #expect(call.arguments == [.address(try Address("0x5eb715d601c2f27f83cb554b6b36e047822fb70a")), .uint(250, bits: 256)])
    }

    @Test func decodesTheSpecificationsStaticExamples() throws {
        let baz = try FunctionSignature(parsing: "baz(uint32,bool)")
        let bazCall = try validator.validate(data: calldata("cdcd77c0", word("45"), word("1")), against: baz)
        #expect(bazCall.arguments == [.uint(69, bits: 32), .bool(true)])

        let bar = try FunctionSignature(parsing: "bar(bytes3[2])")
        let barCall = try validator.validate(data: calldata("fce353f6", rightWord("616263"), rightWord("646566")), against: bar)
        #expect(barCall.arguments == [.array([.fixedBytes(Array("abc".utf8)), .fixedBytes(Array("def".utf8))])])
    }

    @Test func decodesTheSpecificationsSamExample() throws {
        let sam = try FunctionSignature(parsing: "sam(bytes,bool,uint[])")
        let data = calldata(
            "a5643bf2", word("60"), word("1"), word("a0"),
            word("4"), rightWord("64617665"),
            word("3"), word("1"), word("2"), word("3")
        )
        let call = try validator.validate(data: data, against: sam)
        #expect(call.arguments == [
            .bytes(Array("dave".utf8)), .bool(true),
            .array([.uint(1, bits: 256), .uint(2, bits: 256), .uint(3, bits: 256)]),
        ])
    }

    /// "Use of Dynamic Types", first example, byte for byte.
    @Test func decodesTheSpecificationsDynamicExampleF() throws {
        let f = try FunctionSignature(parsing: "f(uint,uint32[],bytes10,bytes)")
        let data = calldata(
            "8be65246",
            word("123"), word("80"), rightWord("31323334353637383930"), word("e0"),
            word("2"), word("456"), word("789"),
            word("d"), rightWord("48656c6c6f2c20776f726c6421")
        )
        let call = try validator.validate(data: data, against: f)
        #expect(call.arguments == [
            .uint(0x123, bits: 256),
            .array([.uint(0x456, bits: 32), .uint(0x789, bits: 32)]),
            .fixedBytes(Array("1234567890".utf8)),
            .bytes(Array("Hello, world!".utf8)),
        ])
    }

    /// "Use of Dynamic Types", second example, byte for byte.
    @Test func decodesTheSpecificationsDynamicExampleG() throws {
        let g = try FunctionSignature(parsing: "g(uint[][],string[])")
        let data = calldata(
            "2289b18c",
            word("40"), word("140"),
            word("2"), word("40"), word("a0"),
            word("2"), word("1"), word("2"),
            word("1"), word("3"),
            word("3"), word("60"), word("a0"), word("e0"),
            word("3"), rightWord("6f6e65"),
            word("3"), rightWord("74776f"),
            word("5"), rightWord("7468726565")
        )
        let call = try validator.validate(data: data, against: g)
        let one = ABIValue.uint(1, bits: 256), two = ABIValue.uint(2, bits: 256), three = ABIValue.uint(3, bits: 256)
        #expect(call.arguments == [
            .array([.array([one, two]), .array([three])]),
            .array([.string("one"), .string("two"), .string("three")]),
        ])
    }

    @Test func decodesSignedIntegers() throws {
        let signature = try FunctionSignature(parsing: "s(int8 a, int256 b, int16 c)")
        let data = calldata(signature, String(repeating: "f", count: 62) + "80", String(repeating: "f", count: 64), word("7fff"))
        let call = try validator.validate(data: data, against: signature)
        #expect(call.arguments == [.int(-128, bits: 8), .int(-1, bits: 256), .int(32767, bits: 16)])
    }

    @Test func decodesNestedTuplesWithDynamicMembers() throws {
        let signature = try FunctionSignature(parsing: "h(uint256 a, (address to, bytes memo)[] b)")
        let to = "5eb715d601c2f27f83cb554b6b36e047822fb70a"
        let data = calldata(
            signature,
            word("7"), word("40"),
            word("1"),            // b.length
            word("20"),           // offset of b[0], from the start of b's elements
            word(to), word("40"), // b[0].to, offset of b[0].memo within the tuple
            word("2"), rightWord("beef")
        )
        let call = try validator.validate(data: data, against: signature)
        #expect(call.arguments == [
            .uint(7, bits: 256),
            .array([.tuple([.address(try Address("0x" + to)), .bytes([0xbe, 0xef])])]),
        ])
    }

    @Test func acceptsEmptyDynamicValuesAndNoArguments() throws {
        let signature = try FunctionSignature(parsing: "e(bytes, string, uint8[])")
        let data = calldata(signature, word("60"), word("80"), word("a0"), word("0"), word("0"), word("0"))
        let call = try validator.validate(data: data, against: signature)
        #expect(call.arguments == [.bytes([]), .string(""), .array([])])

        let none = try FunctionSignature(parsing: "ping()")
        #expect(try validator.validate(data: none.selector, against: none).arguments.isEmpty)
    }

    @Test func takesCalldataValues() throws {
        let signature = try FunctionSignature(parsing: "balanceOf(address)")
        let call = try validator.validate(calldata: Calldata(calldata("70a08231", word("1"))), against: signature)
        #expect(call.arguments == [.address(try Address(bytes: [UInt8](repeating: 0, count: 19) + [1]))])
    }
}
