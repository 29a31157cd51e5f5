/// A password another part of the service reads from a file (the PostgreSQL status store's),
/// under the same rules as the key files (`SecretFile`): a regular file, not world-writable,
/// a warning when others may read it.
public enum SecretLine {
    /// The file's first line, without its line ending; `role` names the file in errors and
    /// warnings, which never hold the secret.
    public static func firstLine(of path: String, role: String) throws(KeyLoadError) -> (secret: String, warnings: [KeySourceWarning]) {
        let contents = try SecretFile.contents(of: path, role: role)
        var line = contents.bytes.prefix { $0 != UInt8(ascii: "\n") }
        if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
        guard let secret = String(validating: line, as: UTF8.self) else {
            throw KeyLoadError(.unreadableFile, "\(role) \(path) is not UTF-8 text; write the password as one line of text")
        }
        return (secret, contents.warnings)
    }
}
