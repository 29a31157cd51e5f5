@testable import EVMKeys
import EVMPrimitives
import Testing

/// scrypt against RFC 7914 section 12 (the values also match Python's hashlib.scrypt).
struct ScryptTests {
    @Test func emptyPasswordAndSalt() throws {
        let key = try Scrypt.deriveKey(password: [], salt: [], parameters: ScryptParameters(n: 16, r: 1, p: 1), length: 64)
        #expect(
            Hex.encode(key, prefixed: false)
                == "77d6576238657b203b19ca42c18a0497f16b4844e3074ae8dfdffa3fede21442fcd0069ded0948f8326a753a0fc81f17e8d3e0fb2e0d3628cf35e20c38d18906"
        )
    }

    @Test func passwordNaCl() throws {
        let key = try Scrypt.deriveKey(
            password: Array("password".utf8), salt: Array("NaCl".utf8), parameters: ScryptParameters(n: 1024, r: 8, p: 16),
            length: 64
        )
        #expect(
            Hex.encode(key, prefixed: false)
                == "fdbabe1c9d3472007856e7190d01e9fe7c6ad7cbc8237830e77376634b3731622eaf30d92e22a3886ff109279d9830dac727afb94a83ee6d8360cbdfa2cc0640"
        )
    }
}
