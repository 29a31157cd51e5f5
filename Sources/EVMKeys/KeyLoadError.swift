/// Why a private key could not be loaded; the text names the source and what to do, never the secret.
public struct KeyLoadError: Error, CustomStringConvertible, Equatable, Sendable {
    /// Which rule was broken; new codes may be added without breaking callers.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let name: String
        public var description: String { name }

        /// The file could not be opened or read (missing, permission denied, not a regular file
        /// such as a directory or a FIFO, too large).
        public static let unreadableFile = Code(name: "unreadableFile")
        /// The file is world-writable, so anyone on the host could replace the key.
        public static let insecureFile = Code(name: "insecureFile")
        /// The environment variable is not set or is empty.
        public static let missingVariable = Code(name: "missingVariable")
        /// The key text is empty, has the wrong length, or is not hex.
        public static let malformedKey = Code(name: "malformedKey")
        /// The 32 bytes are not a valid secp256k1 private key (zero or not below the curve order).
        public static let invalidKey = Code(name: "invalidKey")
        /// The keystore is not strict JSON (a key twice, bytes after it), is too large, or a field
        /// is missing, unknown or of the wrong type.
        public static let malformedKeystore = Code(name: "malformedKeystore")
        /// The keystore uses a version, cipher, KDF or PRF this loader does not implement.
        public static let unsupportedKeystore = Code(name: "unsupportedKeystore")
        /// The KDF parameters are outside the bounds this loader accepts (too weak or too costly).
        public static let kdfParametersOutOfBounds = Code(name: "kdfParametersOutOfBounds")
        /// The MAC does not match: the password is wrong or the file is corrupted.
        public static let macMismatch = Code(name: "macMismatch")
        /// The keystore's `address` field is not the address of the key it holds.
        public static let addressMismatch = Code(name: "addressMismatch")
        /// The crypto library failed (an allocation in BoringSSL); the file is not at fault.
        public static let cryptoFailure = Code(name: "cryptoFailure")
    }

    public let code: Code
    public let description: String

    public init(_ code: Code, _ description: String) {
        self.code = code
        self.description = description
    }

    /// The same error with `context` (the key source) put in front of its text.
    func prefixed(by context: String) -> KeyLoadError {
        KeyLoadError(code, "\(context): \(description)")
    }
}
