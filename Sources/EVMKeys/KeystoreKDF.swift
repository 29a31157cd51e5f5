import Crypto
import CryptoExtras

/// The key-derivation function of a keystore, with parameters checked against sane bounds.
enum KeystoreKDF: Equatable, Sendable {
    case scrypt(n: Int, r: Int, p: Int, salt: [UInt8])
    case pbkdf2(iterations: Int, salt: [UInt8])

    /// scrypt's memory is 128·n·r bytes: 1 GiB is four times geth's standard keystore.
    static let maximumScryptMemory = 1 << 30
    /// scrypt's work grows with n·r·p: 2^24 is eight times geth's standard keystore.
    static let maximumScryptWork = 1 << 24
    /// Ten times eth-account's default of one million.
    static let maximumPBKDF2Iterations = 10_000_000
    /// Only the first 32 derived bytes are used (AES key, then MAC key).
    static let derivedKeyLength = 32

    /// Reads `kdf` and `kdfparams` from the keystore's crypto object.
    init(crypto: KeystoreObject) throws(KeyLoadError) {
        let name = try crypto.string("kdf")
        let params = try crypto.object("kdfparams")
        let dklen = try params.integer("dklen")
        guard dklen >= Self.derivedKeyLength else {
            throw Self.outOfBounds(params, "dklen", "must be at least \(Self.derivedKeyLength), found \(dklen)")
        }
        let salt = try params.hexBytes("salt")
        guard !salt.isEmpty else { throw Self.outOfBounds(params, "salt", "must not be empty") }

        switch name.lowercased() {
        case "scrypt":
            let n = try params.integer("n")
            let r = try params.integer("r")
            let p = try params.integer("p")
            guard n > 1, n & (n - 1) == 0 else {
                throw Self.outOfBounds(params, "n", "must be a power of two greater than 1, found \(n)")
            }
            guard r >= 1 else { throw Self.outOfBounds(params, "r", "must be at least 1, found \(r)") }
            guard p >= 1 else { throw Self.outOfBounds(params, "p", "must be at least 1, found \(p)") }
            // Divisions rather than products, so absurd values cannot overflow.
            guard n <= Self.maximumScryptMemory / 128 / r else {
                throw KeyLoadError(
                    .kdfParametersOutOfBounds,
                    "fields \(params.fieldPath("n")) and \(params.fieldPath("r")) ask scrypt for more than 1 GiB of memory (128·n·r bytes with n=\(n), r=\(r))"
                )
            }
            guard p <= Self.maximumScryptWork / n / r else {
                throw KeyLoadError(
                    .kdfParametersOutOfBounds,
                    "fields \(params.fieldPath("n")), \(params.fieldPath("r")) and \(params.fieldPath("p")) ask scrypt for too much work (n·r·p above 2^24 with n=\(n), r=\(r), p=\(p))"
                )
            }
            self = .scrypt(n: n, r: r, p: p, salt: salt)
        case "pbkdf2":
            let prf = try params.string("prf")
            guard prf.lowercased() == "hmac-sha256" else {
                throw KeyLoadError(
                    .unsupportedKeystore,
                    "field \(params.fieldPath("prf")) is \"\(prf)\"; only \"hmac-sha256\" is supported"
                )
            }
            let c = try params.integer("c")
            guard c >= 1, c <= Self.maximumPBKDF2Iterations else {
                throw Self.outOfBounds(params, "c", "must be between 1 and \(Self.maximumPBKDF2Iterations), found \(c)")
            }
            self = .pbkdf2(iterations: c, salt: salt)
        default:
            throw KeyLoadError(
                .unsupportedKeystore,
                "field \(crypto.fieldPath("kdf")) is \"\(name)\"; supported: \"scrypt\", \"pbkdf2\""
            )
        }
    }

    /// The first 32 bytes of the derived key. Both KDFs produce their output block by block, so
    /// these bytes are the same whatever `dklen` the file declares.
    func deriveKey(password: [UInt8]) -> [UInt8] {
        switch self {
        case .scrypt(let n, let r, let p, let salt):
            Scrypt.deriveKey(password: password, salt: salt, n: n, r: r, p: p, length: Self.derivedKeyLength)
        case .pbkdf2(let iterations, let salt):
            PBKDF2SHA256.deriveKey(password: password, salt: salt, iterations: iterations, length: Self.derivedKeyLength)
        }
    }

    private static func outOfBounds(_ params: KeystoreObject, _ key: String, _ rule: String) -> KeyLoadError {
        KeyLoadError(.kdfParametersOutOfBounds, "field \(params.fieldPath(key)) \(rule)")
    }
}

/// PBKDF2-HMAC-SHA256 through swift-crypto's CryptoExtras.
enum PBKDF2SHA256 {
    static func deriveKey(password: [UInt8], salt: [UInt8], iterations: Int, length: Int) -> [UInt8] {
        // Arrays, not Data: CryptoExtras force-unwraps the buffers' base addresses, and an empty
        // Array (an empty password) still has one. Its only failure is an allocation failure in
        // BoringSSL, which is not a condition the caller could act on.
        let key = try! KDF.Insecure.PBKDF2.deriveKey(
            from: password,
            salt: salt,
            using: .sha256,
            outputByteCount: length,
            unsafeUncheckedRounds: iterations
        )
        return key.withUnsafeBytes { Array($0) }
    }
}
