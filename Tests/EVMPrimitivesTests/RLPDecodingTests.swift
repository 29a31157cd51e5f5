import EVMPrimitives
import Testing

/// Each canonical-encoding rule the decoder enforces, with a minimal offending input.
struct RLPDecodingTests {
    static func rejection(_ hex: String) -> [UInt8] {
        try! Hex.decode(hex, requirePrefix: false)
    }

    static let rejections: [(String, RLPError.Code)] = [
        ("", .unexpectedEnd),
        ("8105", .nonCanonicalSingleByte),              // 0x05 wrapped as a one-byte string
        ("817f", .nonCanonicalSingleByte),
        ("b80100", .nonCanonicalLength),                // long string form for 1 byte
        ("b837" + String(repeating: "61", count: 55) as String, .nonCanonicalLength),  // long form for 55 bytes
        ("f80180", .nonCanonicalLength),                // long list form for a 1-byte payload
        ("b90038" + String(repeating: "61", count: 56), .lengthWithLeadingZero),
        ("f90038" + String(repeating: "80", count: 56), .lengthWithLeadingZero),
        ("83646f", .lengthOverrunsInput),               // "dog" missing a byte
        ("b838" + String(repeating: "61", count: 55), .lengthOverrunsInput),
        ("b9", .lengthOverrunsInput),                   // length bytes missing
        ("bf0100000000000000", .lengthOverrunsInput),   // 8-byte length
        ("c3" + "8461", .lengthOverrunsInput),           // child runs past its list
        ("c2" + "83646f67", .lengthOverrunsInput),
        ("8000", .trailingBytes),
        ("c0c0", .trailingBytes),
        ("83646f6767", .trailingBytes),
    ]

    @Test(arguments: rejections)
    func rejectsNonCanonical(hex: String, code: RLPError.Code) {
        #expect {
            try RLPItem.decode(Self.rejection(hex))
        } throws: { error in
            (error as? RLPError)?.code == code
        }
    }

    @Test func deepNestingIsRefusedNotACrash() {
        let depth = 1100
        var encoded = RLPItem.list([])
        for _ in 0..<depth { encoded = .list([encoded]) }
        #expect {
            try RLPItem.decode(encoded.encoded())
        } throws: { error in
            (error as? RLPError)?.code == .nestingTooDeep
        }
    }

    @Test func integerAccessorsRejectLeadingZeros() throws {
        let padded = try RLPItem.decode(Self.rejection("820001"))
        #expect(padded == .bytes([0x00, 0x01]))
        for accessor in [{ _ = try padded.asUInt64() }, { _ = try padded.asBigUInt() }] {
            #expect {
                try accessor()
            } throws: { error in
                (error as? RLPError)?.code == .integerWithLeadingZero
            }
        }
        // A lone 0x00 byte is the integer zero written non-minimally (zero is 0x80).
        #expect(throws: RLPError.self) { try RLPItem.bytes([0x00]).asUInt64() }
    }

    @Test func integerAccessorsRejectOverflow() {
        #expect {
            try RLPItem.bytes([UInt8](repeating: 0xff, count: 9)).asUInt64()
        } throws: { error in
            (error as? RLPError)?.code == .integerOverflow
        }
        #expect {
            try RLPItem.bytes([UInt8](repeating: 0xff, count: 33)).asBigUInt()
        } throws: { error in
            (error as? RLPError)?.code == .integerOverflow
        }
    }

    @Test func shapeAccessors() throws {
        #expect(throws: RLPError.self) { try RLPItem.list([]).asBytes() }
        #expect(throws: RLPError.self) { try RLPItem.bytes([]).asList() }
        #expect(try RLPItem.bytes([]).asUInt64() == 0)
    }

    @Test func errorsReportTheOffset() {
        #expect {
            try RLPItem.decode(Self.rejection("c4" + "80" + "8105" + "80"))
        } throws: { error in
            guard let error = error as? RLPError else { return false }
            return error.code == .nonCanonicalSingleByte && error.offset == 2
        }
    }
}
