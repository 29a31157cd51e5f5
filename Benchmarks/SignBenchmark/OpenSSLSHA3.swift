import CLibcrypto

/// OpenSSL's SHA3-256, the reference for Keccak-256 throughput: the same Keccak-f[1600]
/// permutation and rate, only the padding byte differs. The digest is fetched and the context
/// allocated once, as a hot loop would use them, so only the hashing itself is measured.
final class OpenSSLSHA3 {
    private let digest: OpaquePointer
    private let context: OpaquePointer

    init() {
        guard let digest = EVP_MD_fetch(nil, "SHA3-256", nil), let context = EVP_MD_CTX_new() else {
            fatalError("OpenSSL has no SHA3-256 (libcrypto 3.x is needed)")
        }
        self.digest = digest
        self.context = context
    }

    deinit {
        EVP_MD_CTX_free(context)
        EVP_MD_free(digest)
    }

    /// Hashes `bytes`; returns the first digest byte.
    func hash(_ bytes: UnsafeRawBufferPointer) -> UInt8 {
        var output = (UInt64(0), UInt64(0), UInt64(0), UInt64(0))
        var length: UInt32 = 0
        let done = withUnsafeMutableBytes(of: &output) { output in
            EVP_DigestInit_ex2(context, digest, nil) == 1
                && EVP_DigestUpdate(context, bytes.baseAddress, bytes.count) == 1
                && EVP_DigestFinal_ex(context, output.baseAddress?.assumingMemoryBound(to: UInt8.self), &length) == 1
        }
        precondition(done && length == 32, "OpenSSL SHA3-256 failed")
        return UInt8(truncatingIfNeeded: output.0)
    }
}
