import CSecp256k1

/// The libsecp256k1 operations this module needs, as Swift values in and out.
enum Secp256k1 {
    /// The group order n, big-endian.
    static let order: [UInt8] = [
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe,
        0xba, 0xae, 0xdc, 0xe6, 0xaf, 0x48, 0xa0, 0x3b, 0xbf, 0xd2, 0x5e, 0x8c, 0xd0, 0x36, 0x41, 0x41,
    ]

    /// n / 2, big-endian: the largest `s` a canonical (low-s) signature may carry.
    static let halfOrder: [UInt8] = [
        0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0x5d, 0x57, 0x6e, 0x73, 0x57, 0xa4, 0x50, 0x1d, 0xdf, 0xe9, 0x2f, 0x46, 0x68, 0x1b, 0x20, 0xa0,
    ]

    /// True if `secretKey` is 32 bytes encoding an integer in [1, n-1].
    static func isValidSecretKey(_ secretKey: [UInt8]) -> Bool {
        guard secretKey.count == 32 else { return false }
        return Secp256k1Context.shared.withContext { secp256k1_ec_seckey_verify($0, secretKey) == 1 }
    }

    /// The 65-byte uncompressed public key (0x04 || x || y) of a valid secret key.
    static func publicKey(secretKey: [UInt8]) -> [UInt8] {
        Secp256k1Context.shared.withContext { context in
            var publicKey = secp256k1_pubkey()
            guard secp256k1_ec_pubkey_create(context, &publicKey, secretKey) == 1 else {
                preconditionFailure("secret key was validated before deriving its public key")
            }
            return serializeUncompressed(publicKey, context: context)
        }
    }

    /// Signs a 32-byte hash with RFC 6979 nonces; libsecp256k1 always returns low-s.
    static func sign(hash: [UInt8], secretKey: [UInt8]) -> Signature {
        precondition(hash.count == 32 && secretKey.count == 32)
        return Secp256k1Context.shared.withContext { context in
            var signature = secp256k1_ecdsa_recoverable_signature()
            // A nil nonce function selects the library default, RFC 6979.
            guard secp256k1_ecdsa_sign_recoverable(context, &signature, hash, secretKey, nil, nil) == 1 else {
                preconditionFailure("libsecp256k1 failed to sign with a validated key")
            }
            var compact = [UInt8](repeating: 0, count: 64)
            var recoveryID: Int32 = 0
            _ = secp256k1_ecdsa_recoverable_signature_serialize_compact(context, &compact, &recoveryID, &signature)
            return Signature(unchecked: compact, yParity: UInt8(recoveryID))
        }
    }

    /// The uncompressed public key that produced `signature` over `hash`, or nil if none does.
    static func recoverPublicKey(hash: [UInt8], signature: Signature) -> [UInt8]? {
        precondition(hash.count == 32)
        let compact = signature.r + signature.s
        return Secp256k1Context.shared.withContext { context in
            var recoverable = secp256k1_ecdsa_recoverable_signature()
            guard secp256k1_ecdsa_recoverable_signature_parse_compact(
                context, &recoverable, compact, Int32(signature.yParity)) == 1
            else { return nil }
            var publicKey = secp256k1_pubkey()
            guard secp256k1_ecdsa_recover(context, &publicKey, &recoverable, hash) == 1 else { return nil }
            return serializeUncompressed(publicKey, context: context)
        }
    }

    private static func serializeUncompressed(_ publicKey: secp256k1_pubkey, context: OpaquePointer) -> [UInt8] {
        var publicKey = publicKey
        var output = [UInt8](repeating: 0, count: 65)
        var length = 65
        _ = secp256k1_ec_pubkey_serialize(context, &output, &length, &publicKey, UInt32(SECP256K1_EC_UNCOMPRESSED))
        return output
    }
}
