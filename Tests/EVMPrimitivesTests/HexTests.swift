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

    @Test("any length, either case; one bad digit anywhere is named at its offset")
    func randomText() throws {
        for length in 0..<300 {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255) }
            let text = Bool.random() ? Hex.encode(bytes) : Hex.encode(bytes).uppercased()
            #expect(try Hex.decode(text) == bytes)
            guard length > 0 else { continue }
            var broken = Array(text.utf8)
            let offset = Int.random(in: 2..<broken.count)
            broken[offset] = UInt8(ascii: "g")
            #expect {
                try Hex.decode(String(decoding: broken, as: UTF8.self))
            } throws: { error in
                (error as? HexError)?.code == .invalidCharacter && (error as? HexError)?.description.contains("offset \(offset) ") == true
            }
        }
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
