#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads a small file that holds a secret (a key, a keystore, a password).
///
/// Permissions: a world-writable file is refused, because anyone on the host could swap in their
/// own key or password. A group- or world-readable file is accepted: container runtimes and
/// Kubernetes mount secrets as 0644 by default, and refusing them would push operators to copy
/// secrets around. Symlinks are followed (Kubernetes secret volumes are symlinks).
enum SecretFile {
    /// Keystores are about 500 bytes; anything this large is the wrong file.
    static let maximumSize = 64 * 1024

    /// The file's bytes; `role` ("key file", "keystore file", "password file") names it in errors.
    static func contents(of path: String, role: String) throws(KeyLoadError) -> [UInt8] {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw unreadable(path, role, errno: errno) }
        defer { close(descriptor) }

        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw unreadable(path, role, errno: errno) }
        if (status.st_mode & S_IFMT) == S_IFDIR {
            throw KeyLoadError(.unreadableFile, "cannot read \(role) \(path): is a directory")
        }
        if status.st_mode & S_IWOTH != 0 {
            let mode = String(status.st_mode & 0o777, radix: 8)
            throw KeyLoadError(
                .insecureFile,
                "\(role) \(path) is world-writable (mode 0\(mode)), so anyone on this host could replace it; run `chmod o-w \(path)`"
            )
        }

        var contents: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw unreadable(path, role, errno: errno)
            }
            if count == 0 { return contents }
            contents += chunk[..<count]
            if contents.count > maximumSize {
                throw KeyLoadError(
                    .unreadableFile,
                    "cannot read \(role) \(path): larger than \(maximumSize) bytes, so it is not a \(role)"
                )
            }
        }
    }

    private static func unreadable(_ path: String, _ role: String, errno code: Int32) -> KeyLoadError {
        KeyLoadError(.unreadableFile, "cannot read \(role) \(path): \(reason(errno: code))")
    }

    /// strerror's text with a lowercase first letter, to read as part of a sentence.
    private static func reason(errno code: Int32) -> String {
        let text = String(cString: strerror(code))
        return text.prefix(1).lowercased() + text.dropFirst()
    }
}
