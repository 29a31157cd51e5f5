@testable import EVMKeys
import EVMPrimitives
import EVMSigning
import Foundation
import Testing

/// Loading the key from a hex file, an environment variable or a keystore with a password file.
struct KeySourceTests {
    private let expectedAddress = Fixture.generatedAddress
    private let key = Fixture.generatedKeyHex

    private func expectFailure(
        _ source: KeySource, environment: [String: String] = [:],
        _ code: KeyLoadError.Code, _ message: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        let error = #expect(throws: KeyLoadError.self, sourceLocation: sourceLocation) {
            try source.loadReportingWarnings(environment: environment)
        }
        #expect(error?.code == code, sourceLocation: sourceLocation)
        #expect(error?.description == message, sourceLocation: sourceLocation)
    }

    // MARK: Hex file

    @Test(arguments: [
        "KEY", "0xKEY", "0XKEY", "KEY\n", "0xKEY\r\n", "  \t0xKEY  \n\n", "UPPER", "0xUPPER\n",
    ])
    func hexFileVariants(template: String) throws {
        let directory = try TemporaryDirectory()
        let contents = template.replacingOccurrences(of: "KEY", with: key)
            .replacingOccurrences(of: "UPPER", with: key.uppercased())
        let path = try directory.file("key", contents)
        #expect(try KeySource.hexFile(path: path).load().address.checksummed == expectedAddress)
    }

    @Test func worldWritableFileIsRefused() throws {
        let directory = try TemporaryDirectory()
        let path = try directory.file("key", key, mode: 0o666)
        expectFailure(
            .hexFile(path: path), .insecureFile,
            "key file \(path) is world-writable (mode 0666), so anyone on this host could replace it; run `chmod o-w \(path)`"
        )
    }

    @Test func emptyOrBlankFile() throws {
        let directory = try TemporaryDirectory()
        let expected = "expected 64 hex characters (32 bytes), optionally 0x-prefixed"
        for (name, contents) in [("empty", ""), ("blank", " \n\t\r\n"), ("prefix-only", "0x\n")] {
            let path = try directory.file(name, contents)
            expectFailure(.hexFile(path: path), .malformedKey, "key file \(path) is empty: \(expected)")
        }
    }

    @Test func wrongLength() throws {
        let directory = try TemporaryDirectory()
        let short = try directory.file("short", "0x" + key.dropLast())
        expectFailure(
            .hexFile(path: short), .malformedKey,
            "key file \(short) has 63 hex characters: expected 64 hex characters (32 bytes), optionally 0x-prefixed"
        )
        let twoLines = try directory.file("two-lines", key + "\n" + key + "\n")
        expectFailure(
            .hexFile(path: twoLines), .malformedKey,
            "key file \(twoLines) is not hex: expected 64 hex characters (32 bytes), optionally 0x-prefixed"
        )
    }

    @Test func notHex() throws {
        let directory = try TemporaryDirectory()
        let path = try directory.file("key", "0x" + key.dropLast(2) + "zz")
        expectFailure(
            .hexFile(path: path), .malformedKey,
            "key file \(path) is not hex: expected 64 hex characters (32 bytes), optionally 0x-prefixed"
        )
    }

    @Test func keyOutsideTheCurveOrder() throws {
        let directory = try TemporaryDirectory()
        let zero = try directory.file("zero", String(repeating: "0", count: 64))
        expectFailure(
            .hexFile(path: zero), .invalidKey,
            "key file \(zero) is not a valid secp256k1 private key: private key is not a valid secp256k1 key: it must be between 1 and n-1 (the curve order)"
        )
    }

    @Test func missingFileAndDirectory() throws {
        let directory = try TemporaryDirectory()
        let missing = directory.path + "/absent"
        expectFailure(.hexFile(path: missing), .unreadableFile, "cannot read key file \(missing): no such file or directory")
        expectFailure(
            .hexFile(path: directory.path), .unreadableFile,
            "cannot read key file \(directory.path): is a directory, not a regular file; point the setting at the file holding the secret"
        )
        // Permission denied cannot be provoked here: the tests may run as root, which reads anything.
    }

    // MARK: Environment variable

    @Test func environmentVariable() throws {
        let source = KeySource.environment(variable: "SIGNER_KEY")
        let prefixed = try source.loadReportingWarnings(environment: ["SIGNER_KEY": "0x" + key])
        #expect(prefixed.key.address.checksummed == expectedAddress)
        #expect(prefixed.warnings.isEmpty)
        #expect(
            try source.loadReportingWarnings(environment: ["SIGNER_KEY": key + "\n"]).key.address.checksummed
                == expectedAddress
        )
    }

    @Test func environmentVariableMissingEmptyOrMalformed() {
        let source = KeySource.environment(variable: "SIGNER_KEY")
        let expected = "expected 64 hex characters (32 bytes), optionally 0x-prefixed"
        expectFailure(
            source, environment: [:], .missingVariable,
            "environment variable SIGNER_KEY is not set; set it to the private key (64 hex characters, optionally 0x-prefixed)"
        )
        expectFailure(
            source, environment: ["SIGNER_KEY": ""], .missingVariable,
            "environment variable SIGNER_KEY is empty; set it to the private key (64 hex characters, optionally 0x-prefixed)"
        )
        expectFailure(
            source, environment: ["SIGNER_KEY": "  "], .malformedKey, "environment variable SIGNER_KEY is empty: \(expected)"
        )
        expectFailure(
            source, environment: ["SIGNER_KEY": "0x1234"], .malformedKey,
            "environment variable SIGNER_KEY has 4 hex characters: \(expected)"
        )
    }

    /// The public `load()` reads the real process environment; these names are not set in it.
    @Test func realEnvironment() {
        let error = #expect(throws: KeyLoadError.self) {
            try KeySource.environment(variable: "EVMKEYS_TEST_UNSET_VARIABLE_7F3A").load()
        }
        #expect(error?.code == .missingVariable)
        #expect(error?.description.hasPrefix("environment variable EVMKEYS_TEST_UNSET_VARIABLE_7F3A is not set") == true)
    }

    // MARK: Keystore with password file

    @Test(arguments: ["correct horse", "correct horse\n", "correct horse\r\n"])
    func keystoreWithPasswordFile(passwordText: String) throws {
        let directory = try TemporaryDirectory()
        let keystore = try directory.file("keystore.json", Fixture.text("ea-scrypt-n1024"))
        let password = try directory.file("password", passwordText)
        let source = KeySource.keystore(path: keystore, passwordFile: password)
        #expect(try source.load().address.checksummed == expectedAddress)
    }

    @Test func onlyOneTrailingNewlineIsStripped() throws {
        let directory = try TemporaryDirectory()
        let keystore = try directory.file("keystore.json", Fixture.text("ea-pbkdf2-c1000"))
        for (name, text) in [("two-newlines", "correct horse\n\n"), ("trailing-space", "correct horse \n")] {
            let password = try directory.file(name, text)
            expectFailure(
                .keystore(path: keystore, passwordFile: password), .macMismatch,
                "keystore \(keystore): keystore MAC mismatch: wrong password or corrupted file"
            )
        }
    }

    @Test func keystoreFileProblemsNameTheFile() throws {
        let directory = try TemporaryDirectory()
        let keystore = try directory.file("keystore.json", Fixture.text("ea-pbkdf2-c1000"))
        let password = try directory.file("password", "correct horse\n")
        let missing = directory.path + "/absent"
        expectFailure(
            .keystore(path: keystore, passwordFile: missing), .unreadableFile,
            "cannot read password file \(missing): no such file or directory"
        )
        expectFailure(
            .keystore(path: missing, passwordFile: password), .unreadableFile,
            "cannot read keystore file \(missing): no such file or directory"
        )
        let writable = try directory.file("writable-password", "correct horse\n", mode: 0o662)
        expectFailure(
            .keystore(path: keystore, passwordFile: writable), .insecureFile,
            "password file \(writable) is world-writable (mode 0662), so anyone on this host could replace it; run `chmod o-w \(writable)`"
        )
        let broken = try directory.file("broken.json", "{\"version\": 3}")
        expectFailure(
            .keystore(path: broken, passwordFile: password), .malformedKeystore,
            "keystore \(broken): missing field crypto"
        )
    }

    // MARK: Redaction

    @Test func descriptionNamesOnlyTheSource() {
        #expect(KeySource.hexFile(path: "/run/secrets/key").description == "key file /run/secrets/key")
        #expect(KeySource.environment(variable: "SIGNER_KEY").description == "environment variable SIGNER_KEY")
        #expect(
            KeySource.keystore(path: "/k.json", passwordFile: "/pw").description
                == "keystore /k.json (password file /pw)"
        )
    }

    /// Every failure path that has the secret in hand: none may echo any of it.
    @Test func errorsNeverContainTheKeyOrPassword() throws {
        let directory = try TemporaryDirectory()
        let curveOrder = "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141"
        let keyTexts = [
            String(key.dropLast()),  // wrong length
            String(key.dropLast()) + "g",  // not hex
            key + key,  // too long
            curveOrder,  // out of range
            curveOrder.uppercased(),
        ]
        var errors: [KeyLoadError] = []
        for (index, text) in keyTexts.enumerated() {
            let path = try directory.file("key\(index)", text + "\n")
            errors.append(try #require(throws: KeyLoadError.self) { try KeySource.hexFile(path: path).load() })
            errors.append(
                try #require(throws: KeyLoadError.self) {
                    try KeySource.environment(variable: "K").loadReportingWarnings(environment: ["K": text])
                }
            )
        }
        let keystore = try directory.file("keystore.json", Fixture.text("ea-pbkdf2-c1000"))
        let wrongPassword = "correct horse battery staple"
        let passwordFile = try directory.file("password", wrongPassword + "\n")
        errors.append(
            try #require(throws: KeyLoadError.self) {
                try KeySource.keystore(path: keystore, passwordFile: passwordFile).load()
            }
        )

        let secrets = [key, String(key.prefix(16)), String(key.suffix(16)), String(curveOrder.prefix(16)), wrongPassword, "correct horse"]
        for error in errors {
            for secret in secrets {
                #expect(!error.description.lowercased().contains(secret.lowercased()), "\(error.code) leaks a secret")
            }
        }
    }
}
