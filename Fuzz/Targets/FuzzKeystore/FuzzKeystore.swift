@testable import EVMKeys
import EVMPrimitives
@testable import EVMSigning
import FuzzSupport
import StrictJSON

/// The key loader's parsers: Web3 v3 keystores and the hex key-file text.
///
/// Input: `key` and a newline, then a key file's text; or a password, a newline, then a
/// keystore document.
///
/// Properties: an accepted keystore is strict JSON with every KDF buffer and the KDF's work
/// within the documented bounds; once it is accepted, decrypting fails only for the password,
/// the key or the address (all shape checks come before the slow KDF); the public loader
/// agrees; no error repeats the password or the key text.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzKeystore(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let (head, tail) = FuzzInput(data, size).split(at: 0x0A)
    if head.elementsEqual("key".utf8) {
        checkKeyText(Array(tail))
    } else {
        checkKeystore(json: Array(tail), password: Array(head))
    }
    return 0
}

/// Decrypting costs at most this much work in the fuzzer, so runs stay fast; the bounds above
/// it are checked without deriving.
private let affordableWork = 1 << 12

private func checkKeystore(json: [UInt8], password: [UInt8]) {
    let encrypted: EncryptedKey
    do {
        encrypted = try EncryptedKey(json: json)
    } catch {
        requireNoSecret(error, password: password, json: json)
        return
    }
    require(json.count <= KeystoreObject.maximumDocumentSize, "accepted a keystore of \(json.count) bytes")
    do {
        _ = try StrictJSONParser().parse(json)
    } catch {
        fatalError("property violated: accepted a keystore the strict parser refuses: \(error)")
    }
    let work: Int
    switch encrypted.kdf {
    case .scrypt(let parameters, let salt):
        require(parameters.memoryBytes <= ScryptParameters.maximumTableBytes + (1 << 20), "scrypt may allocate \(parameters.memoryBytes) bytes")
        require(parameters.n * parameters.r * parameters.p <= ScryptParameters.maximumWork, "scrypt work above the bound")
        require((1...KeystoreKDF.maximumSaltLength).contains(salt.count), "salt of \(salt.count) bytes")
        work = parameters.n * parameters.r * parameters.p
    case .pbkdf2(let iterations, let salt):
        require((1...KeystoreKDF.maximumPBKDF2Iterations).contains(iterations), "\(iterations) PBKDF2 iterations")
        require((1...KeystoreKDF.maximumSaltLength).contains(salt.count), "salt of \(salt.count) bytes")
        work = iterations
    }
    require(encrypted.iv.count == 16 && encrypted.ciphertext.count == 32 && encrypted.mac.count == 32, "cipher fields of the wrong size")
    guard work <= affordableWork else { return }

    let outcome: Result<PrivateKey, KeyLoadError>
    do {
        outcome = .success(try encrypted.decrypt(password: password))
    } catch {
        require([.macMismatch, .invalidKey, .addressMismatch].contains(error.code), "\(error.code) found only after the KDF ran")
        requireNoSecret(error, password: password, json: json)
        outcome = .failure(error)
    }
    do {
        let key = try Keystore.decrypt(json: json, password: password)
        guard case .success(let expected) = outcome, expected.address == key.address else {
            fatalError("property violated: Keystore.decrypt and EncryptedKey disagree")
        }
        if let address = encrypted.expectedAddress { require(address == key.address.bytes, "key of another address accepted") }
    } catch {
        guard case .failure(let expected) = outcome, expected == error else {
            fatalError("property violated: Keystore.decrypt and EncryptedKey disagree")
        }
    }
}

/// An error may quote the document (a field's value), never a password the document lacks.
private func requireNoSecret(_ error: KeyLoadError, password: [UInt8], json: [UInt8]) {
    guard password.count >= 6, !json.contains(password) else { return }
    require(!Array(error.description.utf8).contains(password), "an error repeats the password")
}

private func checkKeyText(_ text: [UInt8]) {
    do {
        let key = try KeyText.privateKey(from: text, origin: "key file")
        let written = String(decoding: text, as: UTF8.self).lowercased()
        require(written.contains(Hex.encode(key.secret, prefixed: false)), "the key read is not the key written")
    } catch {
        let trimmed = text.filter { $0 > 0x20 }
        guard trimmed.count >= 8 else { return }
        require(!Array(error.description.utf8).contains(trimmed), "a key-text error repeats the text")
    }
}
