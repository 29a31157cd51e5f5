import BigInt
import EVMPrimitives
import Testing

struct QuantityTests {
    @Test func parsesHexAndDecimal() throws {
        #expect(try Quantity.parse("0x0") == 0)
        #expect(try Quantity.parse("0x1a") == 26)
        #expect(try Quantity.parse("0X1A") == 26)
        #expect(try Quantity.parse("26") == 26)
        #expect(try Quantity.parse("0") == 0)
        #expect(try Quantity.parseUInt64("0xffffffffffffffff") == UInt64.max)
        #expect(try Quantity.parseUInt64("18446744073709551615") == UInt64.max)
    }

    @Test func acceptsTheFullUInt256Range() throws {
        let max = (BigUInt(1) << 256) - 1
        #expect(try Quantity.parse("0x" + String(repeating: "f", count: 64)) == max)
        #expect(try Quantity.parse(String(max)) == max)
    }

    @Test(arguments: [
        ("", QuantityError.Code.empty),
        ("0x", .empty),
        ("0x01", .leadingZero),
        ("0x00", .leadingZero),
        ("007", .leadingZero),
        ("0xg", .invalidCharacter),
        ("1a", .invalidCharacter),
        ("-1", .invalidCharacter),
        (" 1", .invalidCharacter),
        ("0x1" + String(repeating: "0", count: 64), .overflow),  // 2^256
        ("115792089237316195423570985008687907853269984665640564039457584007913129639936", .overflow),  // 2^256
        ("1" + String(repeating: "0", count: 200), .overflow),
    ])
    func rejectsMalformedOrTooLarge(text: String, code: QuantityError.Code) {
        #expect {
            try Quantity.parse(text)
        } throws: { error in
            (error as? QuantityError)?.code == code
        }
    }

    @Test func uint64OverflowNamesTheLimit() {
        #expect {
            try Quantity.parseUInt64("0x10000000000000000")
        } throws: { error in
            guard let error = error as? QuantityError else { return false }
            return error.code == .overflow && error.description.contains("2^64 - 1")
        }
        #expect(throws: QuantityError.self) { try Quantity.parseUInt64("18446744073709551616") }
    }

    @Test func encodesWithoutLeadingZeros() {
        #expect(Quantity.encode(UInt64(0)) == "0x0")
        #expect(Quantity.encode(UInt64(26)) == "0x1a")
        #expect(Quantity.encode(BigUInt(0)) == "0x0")
        #expect(Quantity.encode(BigUInt(1) << 255) == "0x8" + String(repeating: "0", count: 63))
    }
}
