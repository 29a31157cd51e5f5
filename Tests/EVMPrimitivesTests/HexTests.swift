import EVMPrimitives
import Testing

struct HexTests {
    @Test func encodesLowercaseWithOptionalPrefix() {
        #expect(Hex.encode([0x00, 0xab, 0xff, 0x10]) == "0x00abff10")
        #expect(Hex.encode([0xde, 0xad], prefixed: false) == "dead")
        #expect(Hex.encode([UInt8]()) == "0x")
    }

    @Test func decodesEitherCaseAndPrefix() throws {
        #expect(try Hex.decode("0xDEADbeef") == [0xde, 0xad, 0xbe, 0xef])
        #expect(try Hex.decode("0X0a") == [0x0a])
        #expect(try Hex.decode("0x") == [])
        #expect(try Hex.decode("beef", requirePrefix: false) == [0xbe, 0xef])
        #expect(try Hex.decode("0xbeef", requirePrefix: false) == [0xbe, 0xef])
        #expect(try Hex.decode("0xbeef"[...]) == [0xbe, 0xef])
    }

    @Test func roundTrips() throws {
        let bytes = (0...255).map { UInt8($0) }
        #expect(try Hex.decode(Hex.encode(bytes)) == bytes)
    }

    @Test(arguments: [
        ("beef", HexError.Code.missingPrefix),
        ("0xabc", .oddLength),
        ("0xzz", .invalidCharacter),
        ("0x0g", .invalidCharacter),
        ("0x 1", .invalidCharacter),
    ])
    func rejects(text: String, code: HexError.Code) {
        #expect {
            try Hex.decode(text)
        } throws: { error in
            (error as? HexError)?.code == code && (error as? HexError)?.description.contains(text) == true
        }
    }
}
