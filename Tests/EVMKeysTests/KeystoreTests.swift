import EVMKeys
import EVMPrimitives
import EVMSigning
import Foundation
import Testing

/// Decrypting Web3 Secret Storage v3 keystores, and refusing broken or hostile ones.
struct KeystoreTests {
    private func decrypt(_ json: [UInt8], password: String) throws(KeyLoadError) -> PrivateKey {
        try Keystore.decrypt(json: json, password: Array(password.utf8))
    }

    private func decryptFixture(_ name: String, password: String) throws -> PrivateKey {
        try decrypt(Array(Fixture.text(name).utf8), password: password)
    }

    /// Expects decrypting to fail with `code` and exactly `message`.
    private func expectFailure(
        _ json: [UInt8], password: String = Fixture.generatedPassword,
        _ code: KeyLoadError.Code, _ message: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        let error = #expect(throws: KeyLoadError.self, sourceLocation: sourceLocation) {
            try decrypt(json, password: password)
        }
        #expect(error?.code == code, sourceLocation: sourceLocation)
        #expect(error?.description == message, sourceLocation: sourceLocation)
    }

    // MARK: Published and generated vectors

    @Test func officialPBKDF2Vector() throws {
        let key = try decryptFixture("official-pbkdf2", password: Fixture.officialPassword)
        #expect(key.address.checksummed == Fixture.officialAddress)
        #expect(key.address == (try PrivateKey(hex: Fixture.officialKeyHex)).address)
    }

    /// n = 262144, r = 1, p = 8: BoringSSL refuses these parameters, hence our own scrypt.
    @Test func officialScryptVector() throws {
        let key = try decryptFixture("official-scrypt", password: Fixture.officialPassword)
        #expect(key.address.checksummed == Fixture.officialAddress)
    }

    @Test(arguments: ["ea-scrypt-n1024", "ea-pbkdf2-c1000"])
    func ethAccountKeystores(name: String) throws {
        let key = try decryptFixture(name, password: Fixture.generatedPassword)
        #expect(key.address.checksummed == Fixture.generatedAddress)
        #expect(key.address == (try PrivateKey(hex: Fixture.generatedKeyHex)).address)
    }

    @Test func emptyPassword() throws {
        let key = try decryptFixture("ea-scrypt-empty-password", password: "")
        #expect(key.address.checksummed == Fixture.generatedAddress)
    }

    @Test func capitalizedCryptoObjectOfEarlyGeth() throws {
        let json = try Fixture.edited("ea-pbkdf2-c1000", replacing: "\"crypto\":", with: "\"Crypto\":")
        #expect(try decrypt(json, password: Fixture.generatedPassword).address.checksummed == Fixture.generatedAddress)
    }

    @Test func lowercaseAddressFieldOfGeth() throws {
        let json = try Fixture.edited(
            "ea-pbkdf2-c1000", replacing: "2c7536E3605D9C16a7a3D7b1898e529396a65c23",
            with: "2c7536e3605d9c16a7a3d7b1898e529396a65c23"
        )
        #expect(try decrypt(json, password: Fixture.generatedPassword).address.checksummed == Fixture.generatedAddress)
    }

    // MARK: Wrong password and tampering

    private static let macMismatch = "keystore MAC mismatch: wrong password or corrupted file"

    @Test func wrongPassword() throws {
        expectFailure(
            Array(try Fixture.text("ea-pbkdf2-c1000").utf8), password: "correct horse battery",
            .macMismatch, Self.macMismatch
        )
        expectFailure(Array(try Fixture.text("ea-scrypt-n1024").utf8), password: "", .macMismatch, Self.macMismatch)
    }

    @Test func tamperedCiphertext() throws {
        let json = try Fixture.text("ea-pbkdf2-c1000")
        let ciphertext = try #require(json.firstRange(of: "\"ciphertext\": \"")).upperBound
        let first = json[ciphertext]
        var tampered = json
        tampered.replaceSubrange(ciphertext...ciphertext, with: first == "0" ? "1" : "0")
        expectFailure(Array(tampered.utf8), .macMismatch, Self.macMismatch)
    }

    @Test func tamperedMAC() throws {
        let json = try Fixture.edited("ea-pbkdf2-c1000", replacing: "\"mac\": \"", with: "\"mac\": \"00")
        // One byte too many is a shape error; a same-length change is a mismatch.
        expectFailure(json, .malformedKeystore, "field crypto.mac has 33 bytes, expected 32")
        let text = try Fixture.text("ea-pbkdf2-c1000")
        let mac = try #require(text.firstRange(of: "\"mac\": \"")).upperBound
        var tampered = text
        tampered.replaceSubrange(mac...mac, with: text[mac] == "f" ? "e" : "f")
        expectFailure(Array(tampered.utf8), .macMismatch, Self.macMismatch)
    }

    @Test func addressFieldOfAnotherKey() throws {
        let json = try Fixture.edited(
            "ea-pbkdf2-c1000", replacing: "2c7536E3605D9C16a7a3D7b1898e529396a65c23",
            with: "008aeeda4d805471df9b2a5b0f38a0c3bcba786b"
        )
        expectFailure(
            json, .addressMismatch,
            "field address is 0x008aeeda4d805471df9b2a5b0f38a0c3bcba786b but the key inside belongs to \(Fixture.generatedAddress); the file was edited or assembled from two keystores"
        )
    }

    // MARK: Unsupported algorithms

    @Test func unsupportedCipher() throws {
        let json = try Fixture.edited("ea-pbkdf2-c1000", replacing: "\"aes-128-ctr\"", with: "\"aes-128-cbc\"")
        expectFailure(
            json, .unsupportedKeystore, "field crypto.cipher is \"aes-128-cbc\"; only \"aes-128-ctr\" is supported"
        )
    }

    @Test func unsupportedKDF() throws {
        let json = try Fixture.edited("ea-pbkdf2-c1000", replacing: "\"kdf\": \"pbkdf2\"", with: "\"kdf\": \"argon2id\"")
        expectFailure(
            json, .unsupportedKeystore, "field crypto.kdf is \"argon2id\"; supported: \"scrypt\", \"pbkdf2\""
        )
    }

    @Test func unsupportedPRF() throws {
        let json = try Fixture.edited("ea-pbkdf2-c1000", replacing: "\"hmac-sha256\"", with: "\"hmac-sha512\"")
        expectFailure(
            json, .unsupportedKeystore,
            "field crypto.kdfparams.prf is \"hmac-sha512\"; only \"hmac-sha256\" is supported"
        )
    }

    @Test func unsupportedVersion() throws {
        let json = try Fixture.edited("ea-pbkdf2-c1000", replacing: "\"version\": 3", with: "\"version\": 1")
        expectFailure(json, .unsupportedKeystore, "field version is 1; only version 3 keystores are supported")
    }

    // MARK: Malformed fields are named

    @Test func notJSON() {
        expectFailure(
            Array("{\"version\": 3,".utf8), .malformedKeystore,
            "not valid JSON: expected a quoted key in the object (at byte 14)"
        )
        expectFailure(Array("[3]".utf8), .malformedKeystore, "expected a JSON object at the top level, found an array")
    }

    @Test func missingField() throws {
        let json = try Fixture.edited(
            "ea-pbkdf2-c1000",
            replacing: ",\n    \"mac\": \"90e7e03a867e81718e0101cfa158e32f925f5e50fb5002ef036776d393e34b55\"", with: ""
        )
        expectFailure(json, .malformedKeystore, "missing field crypto.mac")
        expectFailure(Array("{\"version\": 3, \"id\": \"x\"}".utf8), .malformedKeystore, "missing field crypto")
    }

    /// A misspelt field is named as unknown rather than silently ignored.
    @Test func misspeltField() throws {
        let json = try Fixture.edited("ea-pbkdf2-c1000", replacing: "\"mac\":", with: "\"MAC\":")
        expectFailure(
            json, .malformedKeystore,
            "unknown field crypto.MAC; field crypto has only cipher, cipherparams, ciphertext, kdf, kdfparams, mac"
        )
    }

    @Test func fieldOfWrongType() throws {
        let json = try Fixture.edited("ea-pbkdf2-c1000", replacing: "\"c\": 1000", with: "\"c\": \"1000\"")
        expectFailure(json, .malformedKeystore, "field crypto.kdfparams.c must be an integer, found a string")
        let params = try Fixture.edited(
            "ea-pbkdf2-c1000", replacing: "{\n      \"iv\": \"3010ce2c6ab15c9cc25439c270a8d145\"\n    }",
            with: "\"3010ce2c6ab15c9cc25439c270a8d145\""
        )
        expectFailure(params, .malformedKeystore, "field crypto.cipherparams must be an object, found a string")
    }

    @Test func wrongLengthIV() throws {
        let json = try Fixture.edited("ea-pbkdf2-c1000", replacing: "\"iv\": \"", with: "\"iv\": \"00")
        expectFailure(json, .malformedKeystore, "field crypto.cipherparams.iv has 17 bytes, expected 16")
    }

    @Test func saltNotHex() throws {
        let json = try Fixture.edited("ea-pbkdf2-c1000", replacing: "\"salt\": \"", with: "\"salt\": \"zz")
        let error = #expect(throws: KeyLoadError.self) { try decrypt(json, password: Fixture.generatedPassword) }
        #expect(error?.code == .malformedKeystore)
        #expect(error?.description.hasPrefix("field crypto.kdfparams.salt is not hex: ") == true)
    }

    // MARK: KDF bounds, checked before any work is done

    @Test func scryptNNotAPowerOfTwo() throws {
        let json = try Fixture.edited("ea-scrypt-n1024", replacing: "\"n\": 1024", with: "\"n\": 1000")
        expectFailure(
            json, .kdfParametersOutOfBounds,
            "field crypto.kdfparams.n must be a power of two between 2 and 2^22, found 1000"
        )
    }

    @Test func scryptMemoryAbsurd() throws {
        let json = try Fixture.edited("ea-scrypt-n1024", replacing: "\"n\": 1024", with: "\"n\": 1048576")
        expectFailure(
            json, .kdfParametersOutOfBounds,
            "fields crypto.kdfparams.n and crypto.kdfparams.r ask scrypt for 1024 MiB of memory (128·n·r bytes with n=1048576, r=8); at most 512 MiB"
        )
    }

    @Test func scryptWorkAbsurd() throws {
        let json = try Fixture.edited("ea-scrypt-n1024", [("\"n\": 1024", "\"n\": 262144"), ("\"p\": 1", "\"p\": 4")])
        expectFailure(
            json, .kdfParametersOutOfBounds,
            "fields crypto.kdfparams.n, crypto.kdfparams.r and crypto.kdfparams.p ask scrypt for too much work (n·r·p = 8388608 with n=262144, r=8, p=4); at most 2^22"
        )
    }

    @Test func shortDerivedKey() throws {
        let json = try Fixture.edited("ea-scrypt-n1024", replacing: "\"dklen\": 32", with: "\"dklen\": 16")
        expectFailure(json, .kdfParametersOutOfBounds, "field crypto.kdfparams.dklen must be between 32 and 64, found 16")
    }

    @Test func pbkdf2IterationsOutOfBounds() throws {
        let zero = try Fixture.edited("ea-pbkdf2-c1000", replacing: "\"c\": 1000", with: "\"c\": 0")
        expectFailure(
            zero, .kdfParametersOutOfBounds, "field crypto.kdfparams.c must be between 1 and 5000000, found 0"
        )
        let huge = try Fixture.edited("ea-pbkdf2-c1000", replacing: "\"c\": 1000", with: "\"c\": 4000000000")
        expectFailure(
            huge, .kdfParametersOutOfBounds,
            "field crypto.kdfparams.c must be between 1 and 5000000, found 4000000000"
        )
    }
}
