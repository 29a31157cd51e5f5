import EVMPrimitives
import EVMSigning
import Testing

@Suite struct PrivateKeyTests {
    @Test func derivesTheAddressOfTheEIP155ExampleKey() throws {
        #expect(eip155Key.address == (try Address("0x9d8A62f656a8d1615C1294fd71e9CFb3E4855A4F")))
        #expect(eip155Key.publicKey.count == 65)
        #expect(eip155Key.publicKey.first == 0x04)
    }

    @Test func hexAndBytesAgree() throws {
        let fromBytes = try PrivateKey(bytes: [UInt8](repeating: 0x46, count: 32))
        let fromHex = try PrivateKey(hex: String(repeating: "46", count: 32) + "\n")
        #expect(fromBytes.address == eip155Key.address)
        #expect(fromHex.address == eip155Key.address)
    }

    @Test func keyOneIsTheGeneratorPoint() throws {
        let key = try PrivateKey(bytes: [UInt8](repeating: 0, count: 31) + [1])
        #expect(key.address == (try Address("0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf")))
    }

    @Test func rejectsZero() {
        #expect(throws: KeyError.self) { try PrivateKey(bytes: [UInt8](repeating: 0, count: 32)) }
        #expect { try PrivateKey(hex: String(repeating: "0", count: 64)) } throws: { error in
            (error as? KeyError)?.code == .outOfRange
        }
    }

    @Test func rejectsTheCurveOrderAndAboveButAcceptsOrderMinusOne() throws {
        #expect { try PrivateKey(hex: curveOrderHex) } throws: { ($0 as? KeyError)?.code == .outOfRange }
        #expect { try PrivateKey(hex: "0x" + String(repeating: "ff", count: 32)) } throws: {
            ($0 as? KeyError)?.code == .outOfRange
        }
        _ = try PrivateKey(hex: "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364140")
    }

    @Test func rejectsWrongLengthsAndNonHex() {
        #expect { try PrivateKey(bytes: [UInt8](repeating: 1, count: 31)) } throws: { ($0 as? KeyError)?.code == .wrongLength }
        #expect { try PrivateKey(bytes: [UInt8](repeating: 1, count: 33)) } throws: { ($0 as? KeyError)?.code == .wrongLength }
        #expect { try PrivateKey(hex: "0x" + String(repeating: "46", count: 31)) } throws: { ($0 as? KeyError)?.code == .wrongLength }
        #expect { try PrivateKey(hex: String(repeating: "4g", count: 32)) } throws: { ($0 as? KeyError)?.code == .notHex }
    }

    @Test func errorsNeverQuoteTheKey() {
        let secret = "4646464646464646464646464646464646464646464646464646464646464g46"
        do {
            _ = try PrivateKey(hex: secret)
            Issue.record("a non-hex key was accepted")
        } catch {
            #expect(!error.description.contains("4646"))
            #expect(!error.description.contains("4g"))
        }
    }

    @Test func textFormsAreRedacted() {
        let secretHex = String(repeating: "46", count: 32)
        var dumped = ""
        dump(eip155Key, to: &dumped)
        let forms = [
            eip155Key.description, eip155Key.debugDescription, "\(eip155Key)",
            String(reflecting: eip155Key), dumped, "\(Signer(key: eip155Key))", String(reflecting: Signer(key: eip155Key)),
        ]
        for form in forms {
            #expect(!form.contains(secretHex), "leaked in: \(form)")
            #expect(!form.contains("secret"), "leaked the stored bytes in: \(form)")
        }
        #expect(eip155Key.description == "PrivateKey(<redacted>, address 0x9d8A62f656a8d1615C1294fd71e9CFb3E4855A4F)")
    }
}
