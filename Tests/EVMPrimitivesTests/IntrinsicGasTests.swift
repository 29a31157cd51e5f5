import EVMPrimitives
import Testing

struct IntrinsicGasTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        let bytes: [UInt8]
        let expected: UInt64
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "no data", bytes: [], expected: 21_000),
        // standard 21,020; floor 21,000 + 10 * (1 + 4) = 21,050
        Case(name: "one zero, one non-zero", bytes: [0, 1], expected: 21_050),
        // 68 bytes, 25 non-zero: standard 21,572; floor 21,000 + 10 * (43 + 100) = 22,430
        Case(name: "the mission's example", bytes: missionExample, expected: 22_430),
        // 30 KB of non-zero bytes: floor 21,000 + 40 per byte beats 21,000 + 16 per byte
        Case(name: "30 KB of 0xff", bytes: [UInt8](repeating: 0xff, count: 30_720), expected: 21_000 + 40 * 30_720),
        // all zeros: floor 21,000 + 10 per byte beats 21,000 + 4 per byte
        Case(name: "100 zero bytes", bytes: [UInt8](repeating: 0, count: 100), expected: 22_000),
    ]

    @Test("21,000 plus 16 per non-zero and 4 per zero byte, unless the EIP-7623 floor is higher", arguments: cases)
    func intrinsic(_ example: Case) {
        #expect(IntrinsicGas.forCall(data: Calldata(example.bytes)) == Gas(example.expected))
    }

    static let missionExample: [UInt8] = {
        // 0xd7136328, the address word, and 250.
        var bytes: [UInt8] = [0xd7, 0x13, 0x63, 0x28] + [UInt8](repeating: 0, count: 12)
        bytes += [0x5e, 0xb7, 0x15, 0xd6, 0x01, 0xc2, 0xf2, 0x7f, 0x83, 0xcb, 0x55, 0x4b, 0x6b, 0x36, 0xe0, 0x47, 0x82, 0x2f, 0xb7, 0x0a]
        bytes += [UInt8](repeating: 0, count: 31) + [0xfa]
        return bytes
    }()
}
