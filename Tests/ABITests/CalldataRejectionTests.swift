import ABI
import Testing

/// Each strictness rule, with the operator-facing text it produces.
@Suite struct CalldataRejectionTests {
    let validator = CalldataValidator()
    let address = word("5eb715d601c2f27f83cb554b6b36e047822fb70a")

    func rejection(_ data: [UInt8], _ signature: String) throws -> CalldataError {
        let parsed = try FunctionSignature(parsing: signature)
        let result = Result { () throws(CalldataError) in try validator.validate(data: data, against: parsed) }
        guard case .failure(let error) = result else {
            Issue.record("accepted \(result)")
            throw CancellationError()
        }
        return error
    }

    func expectRejection(
        _ signature: String, _ words: [String], code: CalldataError.Code, _ message: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let parsed = try FunctionSignature(parsing: signature)
        let error = try rejection(parsed.selector + bytes(words), signature)
        #expect(error.code == code, sourceLocation: sourceLocation)
        #expect(error.description == message, sourceLocation: sourceLocation)
    }

    @Test func rejectsUintOutOfRange() throws {
        try expectRejection("set(address _addr, uint8 _weight)", [address, word("100")], code: .invalidValue,
                            "argument 2 \"_weight\" (uint8): value does not fit in 8 bits")
        try expectRejection("set(uint248 v)", ["01" + word("").dropFirst(2)], code: .invalidValue,
                            "argument 1 \"v\" (uint248): value does not fit in 248 bits")
    }

    @Test func rejectsIntWithoutSignExtension() throws {
        let message = "argument 1 (int8): value does not fit in 8 bits (the bytes above them must all repeat its sign bit)"
        try expectRejection("s(int8)", [word("80")], code: .invalidValue, message)
        try expectRejection("s(int8)", [String(repeating: "f", count: 62) + "7f"], code: .invalidValue, message)
    }

    @Test func rejectsDirtyAddress() throws {
        try expectRejection("add_weight(address _addr, uint256 _weight)", [word("1" + String(repeating: "0", count: 40)), word("fa")],
                            code: .invalidValue,
                            "argument 1 \"_addr\" (address): address word has non-zero bytes above its 20 address bytes")
    }

    @Test func rejectsBoolOtherThanZeroOrOne() throws {
        try expectRejection("b(bool on)", [word("2")], code: .invalidValue, "argument 1 \"on\" (bool): bool must be 0 or 1, found 0x2")
    }

    @Test func rejectsDirtyFixedBytesPadding() throws {
        try expectRejection("b(bytes4 tag)", [rightWord("deadbeef01")], code: .dirtyPadding,
                            "argument 1 \"tag\" (bytes4): bytes4 has non-zero bytes after its 4 bytes")
    }

    @Test func rejectsDirtyBytesPadding() throws {
        try expectRejection("b(bytes memo)", [word("20"), word("2"), rightWord("beef01")], code: .dirtyPadding,
                            "argument 1 \"memo\" (bytes): padding after the 2 content bytes is not zero")
    }

    @Test func rejectsMissingPadding() throws {
        let parsed = try FunctionSignature(parsing: "b(bytes memo)")
        let error = try rejection(parsed.selector + bytes([word("20"), word("2")]) + [0xbe, 0xef], "b(bytes memo)")
        #expect(error.code == .truncated)
        #expect(error.description == "argument 1 \"memo\" (bytes): the 2 content bytes must be padded to 32, but only 2 bytes remain")
    }

    @Test func rejectsInvalidUTF8() throws {
        try expectRejection("s(string name)", [word("20"), word("2"), rightWord("c328")], code: .invalidUTF8,
                            "argument 1 \"name\" (string): string of 2 bytes is not valid UTF-8")
    }

    @Test func rejectsOffsetsOutOfBounds() throws {
        try expectRejection("b(uint256 n, bytes memo)", [word("1"), word("1000"), word("0")], code: .offsetOutOfBounds,
                            "argument 2 \"memo\" (bytes): offset 0x1000 (counted from byte 0 of the arguments) points past the end of the 96 bytes of arguments")
        try expectRejection("b(bytes)", [String(repeating: "f", count: 64), word("0")], code: .offsetOutOfBounds,
                            "argument 1 (bytes): offset 0x\(String(repeating: "f", count: 64)) (counted from byte 0 of the arguments) points past the end of the 64 bytes of arguments")
    }

    @Test func rejectsMisalignedOffsets() throws {
        try expectRejection("b(bytes memo)", [word("21"), word("0"), word("0")], code: .misalignedOffset,
                            "argument 1 \"memo\" (bytes): offset 33 is not a multiple of 32")
    }

    @Test func rejectsLengthsThatDoNotFit() throws {
        try expectRejection("b(bytes memo)", [word("20"), word("41"), word("0"), word("0")], code: .lengthOutOfBounds,
                            "argument 1 \"memo\" (bytes): length 0x41 needs more than the 64 bytes that remain")
        try expectRejection("a(uint256[] xs)", [word("20"), word("ffffffffffffffff"), word("1")], code: .lengthOutOfBounds,
                            "argument 1 \"xs\" (uint256[]): array length 0xffffffffffffffff needs more than the 32 bytes that remain")
        try expectRejection("a(uint256[] xs)", [word("20"), "8" + word("").dropFirst()], code: .lengthOutOfBounds,
                            "argument 1 \"xs\" (uint256[]): array length 0x8\(String(repeating: "0", count: 63)) needs more than the 0 bytes that remain")
    }

    @Test func rejectsTruncatedHeads() throws {
        try expectRejection("add_weight(address _addr, uint256 _weight)", [address], code: .truncated,
                            "argument 2 \"_weight\" (uint256): data ends before this value: it needs bytes 32..<64 of the arguments, which are 32 bytes long")
    }

    @Test func namesThePathInsideNestedArguments() throws {
        let order = { (amount: String) in [word(amount), self.address] }
        let words = [word("20"), word("4")] + order("1") + order("2") + order("3") + order("100")
        try expectRejection("submit((uint8 amount, address to)[] orders)", words, code: .invalidValue,
                            "argument 1 \"orders\" (tuple[])[3].amount (uint8): value does not fit in 8 bits")
        try expectRejection("submit((uint8, address)[2] orders)", order("1") + [word("2"), word("1" + String(repeating: "0", count: 40))], code: .invalidValue,
                            "argument 1 \"orders\" (tuple[2])[1].1 (address): address word has non-zero bytes above its 20 address bytes")
    }

    @Test func rejectsTrailingBytes() throws {
        try expectRejection("add_weight(address _addr, uint256 _weight)", [address, word("fa"), word("0")], code: .nonCanonical,
                            "32 unexpected bytes follow the arguments (their standard encoding is 64 bytes)")
        let parsed = try FunctionSignature(parsing: "balanceOf(address)")
        let error = try rejection(parsed.selector + bytes([address]) + [0], "balanceOf(address)")
        #expect(error.code == .nonCanonical)
    }

    @Test func rejectsNonStandardOffsets() throws {
        try expectRejection("b(bytes memo)", [word("40"), word("0"), word("1"), rightWord("aa")], code: .nonCanonical,
                            "argument 1 \"memo\" (bytes): offset is 64, but the standard encoding puts this value at 32")
        // Standard top-level offsets, but a gap inside the array's own tail.
        try expectRejection("s(string[] names)", [word("20"), word("1"), word("40"), word("0"), word("1"), rightWord("61")], code: .nonCanonical,
                            "byte 95 of the arguments differs from the standard encoding of the decoded values (unused bytes or out-of-order offsets inside the data)")
    }

    @Test func rejectsOverlappingValues() throws {
        try expectRejection("s(string a, string b)", [word("40"), word("40"), word("1"), rightWord("61")], code: .nonCanonical,
                            "the arguments read more data than their 128 bytes hold: offsets make values overlap, which the standard encoding never does")
    }

    /// Every level points all its elements at the same child: 2.3 KB that would decode to 8^8 values.
    @Test func refusesDataThatReusesItselfExponentially() throws {
        let depth = 8, width = 8
        var words = [word("20")]
        for _ in 0..<(depth - 1) {
            words.append(word(String(width, radix: 16)))
            words += Array(repeating: word(String(width * 32, radix: 16)), count: width)
        }
        words.append(word(String(width, radix: 16)))
        words += Array(repeating: word("1"), count: width)
        let signature = "deep(uint256" + String(repeating: "[]", count: depth) + " x)"
        let error = try rejection(try FunctionSignature(parsing: signature).selector + bytes(words), signature)
        #expect(error.code == .nonCanonical)
        #expect(error.location == nil)
    }
}
