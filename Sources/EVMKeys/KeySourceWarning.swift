import EVMSigning

/// Something about a key source that works but that the operator must fix, such as a key file
/// others can read. The text names the file and the command that fixes it, never the secret.
public struct KeySourceWarning: Sendable, Equatable, CustomStringConvertible {
    /// The file concerned.
    public let path: String
    public let description: String
}

/// A key and what was wrong with where it came from.
public struct LoadedKey: Sendable {
    public let key: PrivateKey
    public let warnings: [KeySourceWarning]
}
