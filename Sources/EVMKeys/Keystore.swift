import Crypto
import CryptoExtras
import EVMPrimitives
import EVMSigning

/// Web3 Secret Storage v3 keystores (the JSON key files of geth, eth-account, MetaMask exports).
///
/// Supported: cipher "aes-128-ctr"; KDF "scrypt" or "pbkdf2" with prf "hmac-sha256", their
/// parameters bounded (`ScryptParameters`, `KeystoreKDF`) and checked before any work. The
/// document must be strict JSON of at most 16 KiB; `crypto` and its objects may hold only the
/// spec's fields, the top level also wallets' metadata (`name`, `meta`, `x-…`). The MAC is
/// checked before decrypting, and an `address` field, when present, must be the decrypted key's
/// address.
public enum Keystore {
    /// Decrypts `json` with `password`, whose bytes are used exactly as given.
    public static func decrypt(json: [UInt8], password: [UInt8]) throws(KeyLoadError) -> PrivateKey {
        try EncryptedKey(json: json).decrypt(password: password)
    }
}

/// A keystore read and checked, not yet decrypted: everything `decrypt` needs, with the KDF's
/// cost bounded.
struct EncryptedKey {
    let kdf: KeystoreKDF
    let iv: [UInt8]
    let ciphertext: [UInt8]
    let mac: [UInt8]
    let expectedAddress: [UInt8]?

    init(json: [UInt8]) throws(KeyLoadError) {
        let document = try KeystoreObject(parsing: json)
        try document.requireOnly(["version", "id", "address", "crypto", "Crypto", "name", "meta"], extensionPrefix: "x-")
        let version = try document.integer("version", in: 0...Int.max, code: .unsupportedKeystore)
        guard version == 3 else {
            throw KeyLoadError(.unsupportedKeystore, "field version is \(version); only version 3 keystores are supported")
        }
        // geth wrote "Crypto" in early releases; the spec says "crypto". Both would be two keys.
        if document.has("Crypto") && document.has("crypto") {
            throw KeyLoadError(.malformedKeystore, "fields crypto and Crypto are both present; a keystore holds one key")
        }
        let crypto = try document.object(document.has("Crypto") ? "Crypto" : "crypto")
        try crypto.requireOnly(["cipher", "cipherparams", "ciphertext", "kdf", "kdfparams", "mac"])
        let cipher = try crypto.string("cipher")
        guard cipher.lowercased() == "aes-128-ctr" else {
            throw KeyLoadError(
                .unsupportedKeystore,
                "field \(crypto.fieldPath("cipher")) is \"\(cipher)\"; only \"aes-128-ctr\" is supported"
            )
        }
        let cipherparams = try crypto.object("cipherparams")
        try cipherparams.requireOnly(["iv"])
        iv = try cipherparams.hexBytes("iv", count: 16)
        ciphertext = try crypto.hexBytes("ciphertext", count: 32)
        mac = try crypto.hexBytes("mac", count: 32)
        kdf = try KeystoreKDF(crypto: crypto)
        // Read before the slow KDF, so a malformed file fails at once.
        expectedAddress = document.has("address") ? try document.hexBytes("address", count: 20) : nil
    }

    func decrypt(password: [UInt8]) throws(KeyLoadError) -> PrivateKey {
        let derivedKey = try kdf.deriveKey(password: password)
        let computedMAC = Keccak256.hash(derivedKey[16..<32] + ciphertext)
        guard zip(computedMAC, mac).reduce(0, { $0 | ($1.0 ^ $1.1) }) == 0 else {
            throw KeyLoadError(.macMismatch, "keystore MAC mismatch: wrong password or corrupted file")
        }

        let plaintext: [UInt8]
        do {
            plaintext = Array(
                try AES._CTR.decrypt(
                    ciphertext, using: SymmetricKey(data: derivedKey[0..<16]), nonce: AES._CTR.Nonce(nonceBytes: iv)
                )
            )
        } catch {
            // Key and nonce sizes are fixed above, so this is the library's failure.
            throw KeyLoadError(.cryptoFailure, "AES-128-CTR failed in the crypto library (\(error)); the file is not at fault")
        }
        let key = try KeyText.validKey(plaintext, origin: "the decrypted key")
        if let expectedAddress, key.address.bytes != expectedAddress {
            throw KeyLoadError(
                .addressMismatch,
                "field address is \(Hex.encode(expectedAddress)) but the key inside belongs to \(key.address); the file was edited or assembled from two keystores"
            )
        }
        return key
    }
}
