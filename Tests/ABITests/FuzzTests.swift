import ABI
import Testing

/// Random, truncated and mutated inputs: validation must answer (accept or throw), never crash or hang.
@Suite struct FuzzTests {
    static let signatures = [
        "add_weight(address _addr, uint256 _weight)",
        "f(uint,uint32[],bytes10,bytes)",
        "g(uint[][],string[])",
        "h(int8 a, (address to, bytes memo)[] b, bool[2] c, string[2] d)",
        "deep(uint256[][][][][][] x)",
    ]

    /// A valid encoding per signature, the base for truncation and mutation.
    static let validData: [String: [UInt8]] = [
        "f(uint,uint32[],bytes10,bytes)": calldata(
            "8be65246", word("123"), word("80"), rightWord("31323334353637383930"), word("e0"),
            word("2"), word("456"), word("789"), word("d"), rightWord("48656c6c6f2c20776f726c6421")
        ),
        "g(uint[][],string[])": calldata(
            "2289b18c", word("40"), word("140"), word("2"), word("40"), word("a0"), word("2"), word("1"),
            word("2"), word("1"), word("3"), word("3"), word("60"), word("a0"), word("e0"), word("3"),
            rightWord("6f6e65"), word("3"), rightWord("74776f"), word("5"), rightWord("7468726565")
        ),
    ]

    /// Half fully random bytes, half words that are mostly zero, so lengths and offsets are often
    /// plausible and the decoder gets deep before failing. Whatever is accepted must be canonical.
    @Test(arguments: signatures)
    func randomBytesNeverCrash(signature: String) throws {
        let parsed = try FunctionSignature(parsing: signature)
        var random = SplitMix64(state: 0xAB1)
        let validator = CalldataValidator()
        for round in 0..<2_000 {
            let length = Int.random(in: 0...400, using: &random)
            let body = (0..<length).map { index -> UInt8 in
                round.isMultiple(of: 2) || index % 32 >= 30 ? UInt8.random(in: 0...0xff, using: &random) : 0
            }
            do {
                let call = try validator.validate(data: parsed.selector + body, against: parsed)
                #expect(body.count.isMultiple(of: 32), "accepted \(call.arguments) from \(body.count) bytes")
            } catch {
                #expect(!error.description.isEmpty)
            }
        }
    }

    @Test(arguments: Array(validData.keys))
    func everyTruncationIsRefused(signature: String) throws {
        let parsed = try FunctionSignature(parsing: signature)
        let data = try #require(Self.validData[signature])
        let validator = CalldataValidator()
        _ = try validator.validate(data: data, against: parsed)
        for length in 0..<data.count {
            #expect(throws: CalldataError.self) {
                _ = try validator.validate(data: Array(data.prefix(length)), against: parsed)
            }
        }
    }

    /// A changed byte is either refused or still the canonical encoding of (different) values.
    @Test(arguments: Array(validData.keys))
    func mutationsAreRefusedOrCanonical(signature: String) throws {
        let parsed = try FunctionSignature(parsing: signature)
        let data = try #require(Self.validData[signature])
        let validator = CalldataValidator()
        var random = SplitMix64(state: 0x5EED)
        for index in 4..<data.count {
            for value: UInt8 in [0x00, 0x01, 0x20, 0x80, 0xff, UInt8.random(in: 0...0xff, using: &random)] where value != data[index] {
                var mutated = data
                mutated[index] = value
                guard let call = try? validator.validate(data: mutated, against: parsed) else { continue }
                #expect(call.arguments != (try validator.validate(data: data, against: parsed)).arguments)
            }
        }
    }

    /// Found by Fuzz/FuzzSignatureCalldata: a fixed array of dynamic elements has a head of one
    /// word whatever its length, so the parser's size bound let 22,222,222,222 of them through and
    /// the decoder reserved room for all of them (177 GB) before reading one: a trap.
    @Test func hugeFixedArrayOfDynamicElementsIsRefusedWithoutAllocating() throws {
        let parsed = try FunctionSignature(parsing: "deep(uint256[][][22222222222] x)")
        let error = #expect(throws: CalldataError.self) {
            try CalldataValidator().validate(data: parsed.selector + bytes([word("20"), word("0")]), against: parsed)
        }
        // The second element's offset is the first one's data again: two words cannot hold more.
        #expect(error?.code == .nonCanonical)
        #expect(error?.description.contains("offsets make values overlap") == true)
    }
}
