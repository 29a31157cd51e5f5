import Crypto
import CryptoExtras
import EVMPrimitives
import EVMSigning

/// Web3 Secret Storage v3 keystores (the JSON key files of geth, eth-account, MetaMask exports).
///
/// Supported: cipher "aes-128-ctr"; KDF "scrypt" (bounded by `KeystoreKDF`) or "pbkdf2" with
/// prf "hmac-sha256". The MAC is checked before decrypting, and an `address` field, when
/// present, must be the decrypted key's address.
public enum Keystore {
    /// Decrypts `json` with `password`, whose bytes are used exactly as given.
    public static func decrypt(json: [UInt8], password: [UInt8]) throws(KeyLoadError) -> PrivateKey {
        let document = try KeystoreObject(parsing: json)
        let version = try document.integer("version")
        guard version == 3 else {
            throw KeyLoadError(
                .unsupportedKeystore,
                "field version is \(version); only version 3 keystores are supported"
            )
        }
        // geth wrote "Crypto" in early releases; the spec says "crypto".
        let crypto = try document.object(document.has("Crypto") && !document.has("crypto") ? "Crypto" : "crypto")
        let cipher = try crypto.string("cipher")
        guard cipher.lowercased() == "aes-128-ctr" else {
            throw KeyLoadError(
                .unsupportedKeystore,
                "field \(crypto.fieldPath("cipher")) is \"\(cipher)\"; only \"aes-128-ctr\" is supported"
            )
        }
        let iv = try crypto.object("cipherparams").hexBytes("iv", count: 16)
        let ciphertext = try crypto.hexBytes("ciphertext", count: 32)
        let mac = try crypto.hexBytes("mac", count: 32)
        let kdf = try KeystoreKDF(crypto: crypto)
        // Read before the slow KDF, so a malformed file fails at once.
        let expectedAddress = document.has("address") ? try document.hexBytes("address", count: 20) : nil

        let derivedKey = kdf.deriveKey(password: password)
        let computedMAC = Keccak256.hash(derivedKey[16..<32] + ciphertext)
        guard zip(computedMAC, mac).reduce(0, { $0 | ($1.0 ^ $1.1) }) == 0 else {
            throw KeyLoadError(.macMismatch, "keystore MAC mismatch: wrong password or corrupted file")
        }

        // The only failures of AES._CTR are a wrong key or nonce size, both fixed above.
        let plaintext = try! AES._CTR.decrypt(
            ciphertext,
            using: SymmetricKey(data: derivedKey[0..<16]),
            nonce: AES._CTR.Nonce(nonceBytes: iv)
        )
        let key = try KeyText.validKey(Array(plaintext), origin: "the decrypted key")
        if let expectedAddress, key.address.bytes != expectedAddress {
            throw KeyLoadError(
                .addressMismatch,
                "field address is \(Hex.encode(expectedAddress)) but the key inside belongs to \(key.address); the file was edited or assembled from two keystores"
            )
        }
        return key
    }
}
