import BigInt
import EVMPrimitives
import Foundation
import Testing

struct ValueTypeTests {
    struct Fields: Codable, Equatable {
        var value: Wei
        var nonce: Nonce
        var chainId: ChainID
        var gas: Gas
        var hash: TxHash
        var data: Calldata
    }

    @Test func weiRangeAndUnits() throws {
        #expect(Wei(exactly: (BigUInt(1) << 256) - 1) != nil)
        #expect(Wei(exactly: BigUInt(1) << 256) == nil)
        #expect(Wei.gwei(3).value == 3_000_000_000)
        #expect(Wei.gwei(UInt64.max).value == BigUInt(UInt64.max) * 1_000_000_000)
        #expect(Wei.zero < Wei(1))
        #expect(try Wei(parsing: "0x3b9aca00") == .gwei(1))
        #expect(Wei(42).description == "42")
    }

    @Test func nonceOrderAndNext() throws {
        #expect(Nonce(4).next == Nonce(5))
        #expect(Nonce(4) < Nonce(5))
        #expect(try Nonce(parsing: "0x10") == Nonce(16))
        #expect(try ChainID(parsing: "131277322940537") == ChainID(131_277_322_940_537))
        #expect(Gas(21000) > Gas(20999))
    }

    @Test func codableWritesQuantitiesAndHex() throws {
        let fields = Fields(
            value: .gwei(1), nonce: Nonce(0), chainId: ChainID(1), gas: Gas(21000),
            hash: try TxHash("0x" + String(repeating: "ab", count: 32)), data: Calldata([0xa9, 0x05])
        )
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let json = String(decoding: try encoder.encode(fields), as: UTF8.self)
        #expect(json == #"{"chainId":"0x1","data":"0xa905","gas":"0x5208","hash":"0x\#(String(repeating: "ab", count: 32))","nonce":"0x0","value":"0x3b9aca00"}"#)
        #expect(try JSONDecoder().decode(Fields.self, from: Data(json.utf8)) == fields)
    }

    @Test func codableReadsDecimalStringsAndNumbers() throws {
        let json = #"{"chainId":131277322940537,"data":"0x","gas":"21000","hash":"0x\#(String(repeating: "00", count: 32))","nonce":7,"value":"1000000000"}"#
        let fields = try JSONDecoder().decode(Fields.self, from: Data(json.utf8))
        #expect(fields.chainId == ChainID(131_277_322_940_537))
        #expect(fields.gas == Gas(21000))
        #expect(fields.nonce == Nonce(7))
        #expect(fields.value == .gwei(1))
        #expect(fields.data == .empty)
    }

    @Test func codableRejectsOverflowAndLeadingZeros() {
        #expect(throws: DecodingError.self) { try JSONDecoder().decode([Nonce].self, from: Data(#"["0x10000000000000000"]"#.utf8)) }
        #expect(throws: DecodingError.self) { try JSONDecoder().decode([Gas].self, from: Data(#"["0x01"]"#.utf8)) }
        let tooBig = "0x1" + String(repeating: "0", count: 64)
        #expect(throws: DecodingError.self) { try JSONDecoder().decode([Wei].self, from: Data(#"["\#(tooBig)"]"#.utf8)) }
    }

    @Test func txHashLength() throws {
        #expect {
            try TxHash(bytes: [UInt8](repeating: 0, count: 31))
        } throws: { error in
            (error as? HashLengthError)?.actual == 31
        }
        #expect(throws: (any Error).self) { try TxHash("0x1234") }
        let hash = try TxHash(bytes: [UInt8](repeating: 0xcd, count: 32))
        #expect(hash.description == "0x" + String(repeating: "cd", count: 32))
    }

    @Test func calldataHex() throws {
        #expect(try Calldata(hex: "0xA9059CBB").bytes == [0xa9, 0x05, 0x9c, 0xbb])
        #expect(try Calldata(hex: "0x") == .empty)
        #expect(throws: HexError.self) { try Calldata(hex: "a905") }
    }
}
