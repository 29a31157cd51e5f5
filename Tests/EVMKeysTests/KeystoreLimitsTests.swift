@testable import EVMKeys
import EVMPrimitives
import EVMSigning
import Testing

/// Hostile keystores: absurd KDF parameters and sizes are refused before any work, naming the
/// field and the bound; the JSON must be strict; only the spec's fields are read.
struct KeystoreLimitsTests {
    private func expectFailure(
        _ json: [UInt8], _ code: KeyLoadError.Code, _ message: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        let error = #expect(throws: KeyLoadError.self, sourceLocation: sourceLocation) {
            try Keystore.decrypt(json: json, password: Array(Fixture.generatedPassword.utf8))
        }
        #expect(error?.code == code, sourceLocation: sourceLocation)
        #expect(error?.description == message, sourceLocation: sourceLocation)
    }

    private func scrypt(n: String, r: String, p: String) throws -> [UInt8] {
        try Fixture.edited("ea-scrypt-n1024", [("\"n\": 1024", "\"n\": \(n)"), ("\"r\": 8", "\"r\": \(r)"), ("\"p\": 1", "\"p\": \(p)")])
    }

    // MARK: scrypt

    /// The file of the issue: n=2, r=2^22, p=2 took 5.2 GiB and 140 s.
    @Test func issueParametersAreRefused() throws {
        expectFailure(
            try scrypt(n: "2", r: "4194304", p: "2"), .kdfParametersOutOfBounds,
            "field crypto.kdfparams.r must be between 1 and 32, found 4194304"
        )
    }

    @Test(arguments: [
        ("3", "8", "1", "field crypto.kdfparams.n must be a power of two between 2 and 2^22, found 3"),
        ("0", "8", "1", "field crypto.kdfparams.n must be between 2 and 4194304, found 0"),
        ("8388608", "1", "1", "field crypto.kdfparams.n must be between 2 and 4194304, found 8388608"),
        ("-1024", "8", "1", "field crypto.kdfparams.n must be between 2 and 4194304, found -1024"),
        ("99999999999999999999999999999999", "8", "1", "field crypto.kdfparams.n must be between 2 and 4194304, found 999999999999999999999999… (32 characters)"),
        ("1024", "0", "1", "field crypto.kdfparams.r must be between 1 and 32, found 0"),
        ("1024", "33", "1", "field crypto.kdfparams.r must be between 1 and 32, found 33"),
        ("1024", "8", "0", "field crypto.kdfparams.p must be between 1 and 64, found 0"),
        ("2", "1", "65", "field crypto.kdfparams.p must be between 1 and 64, found 65"),
        ("4194304", "2", "1", "fields crypto.kdfparams.n and crypto.kdfparams.r ask scrypt for 1024 MiB of memory (128·n·r bytes with n=4194304, r=2); at most 512 MiB"),
        ("131072", "32", "2", "fields crypto.kdfparams.n, crypto.kdfparams.r and crypto.kdfparams.p ask scrypt for too much work (n·r·p = 8388608 with n=131072, r=32, p=2); at most 2^22"),
    ])
    func scryptParameterOutOfBounds(n: String, r: String, p: String, message: String) throws {
        expectFailure(try scrypt(n: n, r: r, p: p), .kdfParametersOutOfBounds, message)
    }

    @Test(arguments: ["1024.0", "1e3", "\"1024\"", "true"])
    func scryptParameterThatIsNotAnInteger(n: String) throws {
        let error = #expect(throws: KeyLoadError.self) {
            try Keystore.decrypt(json: try scrypt(n: n, r: "8", p: "1"), password: [])
        }
        #expect(error?.code == .malformedKeystore)
        #expect(error?.description.hasPrefix("field crypto.kdfparams.n must be an integer, found ") == true)
    }

    /// The largest accepted parameters are the most any keystore costs: under 513 MiB in all.
    @Test func boundsCapEveryBuffer() throws {
        let largest = [
            try ScryptParameters(n: 1 << 22, r: 1, p: 1),
            try ScryptParameters(n: 1 << 17, r: 32, p: 1),
            try ScryptParameters(n: 2, r: 32, p: 64),
            try ScryptParameters(n: 1 << 16, r: 1, p: 64),
        ]
        for parameters in largest {
            #expect(parameters.memoryBytes <= (1 << 29) + (1 << 20))
            #expect(parameters.n * parameters.r * parameters.p <= 1 << 22)
        }
        #expect(throws: ScryptParameters.Violation.self) { try ScryptParameters(n: 1 << 22, r: 1, p: 2) }
    }

    // MARK: Other fields and sizes

    @Test func saltBounds() throws {
        let long = try Fixture.edited(
            "ea-pbkdf2-c1000", replacing: "\"salt\": \"8f68e01813ece33efee561f1685d1382\"",
            with: "\"salt\": \"\(String(repeating: "ab", count: 65))\""
        )
        expectFailure(long, .kdfParametersOutOfBounds, "field crypto.kdfparams.salt has 65 bytes; at most 64 are accepted")
        let empty = try Fixture.edited(
            "ea-pbkdf2-c1000", replacing: "\"salt\": \"8f68e01813ece33efee561f1685d1382\"", with: "\"salt\": \"0x\""
        )
        expectFailure(empty, .kdfParametersOutOfBounds, "field crypto.kdfparams.salt must not be empty")
    }

    @Test func declaredKeyLengthBounds() throws {
        let long = try Fixture.edited("ea-pbkdf2-c1000", replacing: "\"dklen\": 32", with: "\"dklen\": 65")
        expectFailure(long, .kdfParametersOutOfBounds, "field crypto.kdfparams.dklen must be between 32 and 64, found 65")
        let accepted = try Fixture.edited("ea-pbkdf2-c1000", replacing: "\"dklen\": 32", with: "\"dklen\": 64")
        let key = try Keystore.decrypt(json: accepted, password: Array(Fixture.generatedPassword.utf8))
        #expect(key.address.checksummed == Fixture.generatedAddress)
    }

    @Test func oversizedCiphertextIsRefusedBeforeDecoding() throws {
        let json = try Fixture.edited(
            "ea-pbkdf2-c1000", replacing: "\"ciphertext\": \"", with: "\"ciphertext\": \"\(String(repeating: "00", count: 4000))"
        )
        expectFailure(json, .malformedKeystore, "field crypto.ciphertext has 4032 bytes, expected 32")
    }

    @Test func oversizedDocumentIsRefused() throws {
        let padding = String(repeating: " ", count: KeystoreObject.maximumDocumentSize)
        let json = Array((try Fixture.text("ea-pbkdf2-c1000") + padding).utf8)
        expectFailure(
            json, .malformedKeystore,
            "the document is \(json.count) bytes; a keystore is at most 16384 bytes, so this is not one"
        )
    }

    // MARK: Strict JSON

    @Test func duplicateKeyIsRefused() throws {
        // Two iteration counts: a lenient reader takes the last, another tool the first.
        let json = try Fixture.edited("ea-pbkdf2-c1000", replacing: "\"c\": 1000,", with: "\"c\": 1000, \"c\": 1,")
        let error = #expect(throws: KeyLoadError.self) { try Keystore.decrypt(json: json, password: []) }
        #expect(error?.code == .malformedKeystore)
        #expect(error?.description.hasPrefix("not valid JSON: the key \"c\" appears twice in one object; give each key once") == true)
    }

    @Test func trailingBytesAreRefused() throws {
        let json = Array((try Fixture.text("ea-pbkdf2-c1000") + "{}").utf8)
        let error = #expect(throws: KeyLoadError.self) { try Keystore.decrypt(json: json, password: []) }
        #expect(error?.code == .malformedKeystore)
        #expect(error?.description.hasPrefix("not valid JSON: unexpected bytes after the JSON value") == true)
    }

    @Test func bothCryptoSpellingsAreRefused() throws {
        let json = try Fixture.edited("ea-pbkdf2-c1000", replacing: "\"id\":", with: "\"Crypto\": {}, \"id\":")
        expectFailure(json, .malformedKeystore, "fields crypto and Crypto are both present; a keystore holds one key")
    }

    @Test(arguments: [
        ("\"kdf\": \"pbkdf2\",", "\"kdf\": \"pbkdf2\", \"kdf2\": \"scrypt\",", "unknown field crypto.kdf2; field crypto has only cipher, cipherparams, ciphertext, kdf, kdfparams, mac"),
        ("\"c\": 1000,", "\"c\": 1000, \"n\": 2,", "unknown field crypto.kdfparams.n; field crypto.kdfparams has only c, dklen, prf, salt"),
        ("\"iv\": \"3010ce2c6ab15c9cc25439c270a8d145\"", "\"iv\": \"3010ce2c6ab15c9cc25439c270a8d145\", \"tag\": \"\"", "unknown field crypto.cipherparams.tag; field crypto.cipherparams has only iv"),
        ("\"version\": 3", "\"version\": 3, \"mnemonic\": \"\"", "unknown field mnemonic; the keystore has only version, id, address, crypto, Crypto, name, meta and fields named x-…"),
    ])
    func unknownFieldIsRefused(original: String, replacement: String, message: String) throws {
        expectFailure(try Fixture.edited("ea-pbkdf2-c1000", replacing: original, with: replacement), .malformedKeystore, message)
    }

    /// Wallets' metadata at the top level: Parity's name and meta, ethers' x-ethers.
    @Test func walletMetadataIsAccepted() throws {
        let json = try Fixture.edited(
            "ea-pbkdf2-c1000", replacing: "\"version\": 3",
            with: "\"version\": 3, \"name\": \"ops\", \"meta\": \"{}\", \"x-ethers\": {\"client\": \"ethers.js\"}"
        )
        let key = try Keystore.decrypt(json: json, password: Array(Fixture.generatedPassword.utf8))
        #expect(key.address.checksummed == Fixture.generatedAddress)
    }
}
