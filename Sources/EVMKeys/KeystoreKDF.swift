import Crypto
import CryptoExtras

/// The key-derivation function of a keystore, with parameters checked against sane bounds
/// before any work is done, so a hostile file is refused at once, naming the field and the bound.
enum KeystoreKDF: Equatable, Sendable {
    case scrypt(ScryptParameters, salt: [UInt8])
    case pbkdf2(iterations: Int, salt: [UInt8])

    /// Five times eth-account's default of one million (roughly 10 s in a debug build here).
    static let maximumPBKDF2Iterations = 5_000_000
    /// Only the first 32 derived bytes are used (AES key, then MAC key).
    static let derivedKeyLength = 32
    /// Every keystore declares 32; longer would be harmless (both KDFs produce their output
    /// block by block, and only the first 32 bytes are derived) but nobody writes it.
    static let maximumDeclaredKeyLength = 64
    /// geth writes 32 bytes of salt, eth-account 16.
    static let maximumSaltLength = 64

    /// Reads `kdf` and `kdfparams` from the keystore's crypto object.
    init(crypto: KeystoreObject) throws(KeyLoadError) {
        let name = try crypto.string("kdf")
        let params = try crypto.object("kdfparams")
        switch name.lowercased() {
        case "scrypt":
            try params.requireOnly(["dklen", "n", "p", "r", "salt"])
            let salt = try Self.salt(params)
            let n = try params.integer("n", in: ScryptParameters.nBounds)
            let r = try params.integer("r", in: ScryptParameters.rBounds)
            let p = try params.integer("p", in: ScryptParameters.pBounds)
            do {
                self = .scrypt(try ScryptParameters(n: n, r: r, p: p), salt: salt)
            } catch {
                let fields = error.parameters.map(params.fieldPath)
                let named = fields.count == 1
                    ? "field \(fields.joined())"
                    : "fields \(fields.dropLast().joined(separator: ", ")) and \(fields.last ?? "")"
                throw KeyLoadError(.kdfParametersOutOfBounds, "\(named) \(error.rule)")
            }
        case "pbkdf2":
            try params.requireOnly(["c", "dklen", "prf", "salt"])
            let prf = try params.string("prf")
            guard prf.lowercased() == "hmac-sha256" else {
                throw KeyLoadError(
                    .unsupportedKeystore,
                    "field \(params.fieldPath("prf")) is \"\(prf)\"; only \"hmac-sha256\" is supported"
                )
            }
            let salt = try Self.salt(params)
            let c = try params.integer("c", in: 1...Self.maximumPBKDF2Iterations)
            self = .pbkdf2(iterations: c, salt: salt)
        default:
            throw KeyLoadError(
                .unsupportedKeystore,
                "field \(crypto.fieldPath("kdf")) is \"\(name)\"; supported: \"scrypt\", \"pbkdf2\""
            )
        }
    }

    /// Checks `dklen` and reads `salt`, both common to the two KDFs.
    private static func salt(_ params: KeystoreObject) throws(KeyLoadError) -> [UInt8] {
        _ = try params.integer("dklen", in: derivedKeyLength...maximumDeclaredKeyLength)
        return try params.hexBytes("salt", count: 1...maximumSaltLength, code: .kdfParametersOutOfBounds) { found in
            found == 0 ? "must not be empty" : "has \(found) bytes; at most \(maximumSaltLength) are accepted"
        }
    }

    /// The first 32 bytes of the derived key. Both KDFs produce their output block by block, so
    /// these bytes are the same whatever `dklen` the file declares.
    func deriveKey(password: [UInt8]) throws(KeyLoadError) -> [UInt8] {
        switch self {
        case .scrypt(let parameters, let salt):
            try Scrypt.deriveKey(password: password, salt: salt, parameters: parameters, length: Self.derivedKeyLength)
        case .pbkdf2(let iterations, let salt):
            try PBKDF2SHA256.deriveKey(password: password, salt: salt, iterations: iterations, length: Self.derivedKeyLength)
        }
    }
}

/// PBKDF2-HMAC-SHA256 through swift-crypto's CryptoExtras.
enum PBKDF2SHA256 {
    static func deriveKey(password: [UInt8], salt: [UInt8], iterations: Int, length: Int) throws(KeyLoadError) -> [UInt8] {
        // Arrays, not Data: CryptoExtras force-unwraps the buffers' base addresses, and an empty
        // Array (an empty password) still has one.
        do {
            let key = try KDF.Insecure.PBKDF2.deriveKey(
                from: password,
                salt: salt,
                using: .sha256,
                outputByteCount: length,
                unsafeUncheckedRounds: iterations
            )
            return key.withUnsafeBytes { Array($0) }
        } catch {
            throw KeyLoadError(.cryptoFailure, "PBKDF2 failed in the crypto library (\(error)); the file is not at fault")
        }
    }
}
