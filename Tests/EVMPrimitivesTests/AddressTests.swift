import EVMPrimitives
import Foundation
import Testing

struct AddressTests {
    /// The test addresses listed in EIP-55.
    static let eip55Vectors = [
        // All caps
        "0x52908400098527886E0F7030069857D2E4169EE7",
        "0x8617E340B3D01FA5F11F306F4090FD50E238070D",
        // All lower
        "0xde709f2102306220921060314715629080e2fb77",
        "0x27b1fdb04752bbc536007a920d24acb045561c26",
        // Normal
        "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
        "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
        "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB",
        "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb",
    ]

    @Test(arguments: eip55Vectors)
    func checksumMatchesEIP55(text: String) throws {
        let address = try Address(text)
        #expect(address.checksummed == text)
        #expect(address.description == text)
        #expect(address.bytes == (try Hex.decode(text)))
    }

    @Test func lowercaseAndUppercaseSkipTheChecksum() throws {
        let checksummed = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
        let lower = try Address(checksummed.lowercased())
        let upper = try Address("0x" + checksummed.dropFirst(2).uppercased())
        #expect(lower == upper)
        #expect(lower.checksummed == checksummed)
    }

    @Test func mixedCaseWithWrongChecksumIsRejected() {
        // The first EIP-55 vector with one letter's case flipped.
        #expect {
            try Address("0x5AAeb6053F3E94C9b9A09f33669435E7Ef1BeAed")
        } throws: { error in
            guard let error = error as? AddressError else { return false }
            return error.code == .badChecksum && error.description.contains("checksum")
                && error.description.contains("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed")
        }
    }

    @Test(arguments: [
        ("5aaeb6053f3e94c9b9a09f33669435e7ef1beaed", AddressError.Code.invalidHex),
        ("0x5aaeb6053f3e94c9b9a09f33669435e7ef1bea", .wrongLength),
        ("0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed00", .wrongLength),
        ("0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaeg", .invalidHex),
    ])
    func malformedTextIsRejected(text: String, code: AddressError.Code) {
        #expect {
            try Address(text)
        } throws: { error in
            (error as? AddressError)?.code == code
        }
    }

    @Test func bytesMustBeTwenty() throws {
        #expect(throws: AddressError.self) { try Address(bytes: [UInt8](repeating: 1, count: 19)) }
        #expect(try Address(bytes: [UInt8](repeating: 0, count: 20)) == .zero)
        #expect(Address.zero.checksummed == "0x0000000000000000000000000000000000000000")
    }

    @Test func codableUsesTheChecksummedForm() throws {
        let address = try Address("0xfb6916095ca1df60bb79ce92ce3ea74c37c5d359")
        let json = try JSONEncoder().encode([address])
        #expect(String(decoding: json, as: UTF8.self) == #"["0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359"]"#)
        #expect(try JSONDecoder().decode([Address].self, from: json) == [address])
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode([Address].self, from: Data(#"["0xFb6916095ca1df60bB79Ce92cE3Ea74c37c5d359"]"#.utf8))
        }
    }
}
