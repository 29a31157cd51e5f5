#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads a small file that holds a secret (a key, a keystore, a password).
///
/// Only a regular file is read: a FIFO would block start-up until someone writes to it, and a
/// device (`/dev/zero`) never ends. The file is opened non-blocking, so opening a FIFO returns at
/// once and is then refused, and reading stops at `maximumSize`.
///
/// Permissions: a world-writable file is refused, because anyone on the host could swap in their
/// own key or password. A file readable by its group or others, or writable by its group, is
/// read with a warning: container runtimes and Kubernetes mount secrets as 0644 by default, and
/// refusing them would push operators to copy secrets around, but the operator must hear of it.
/// Symlinks are followed (Kubernetes secret volumes are symlinks).
enum SecretFile {
    /// Keystores are about 500 bytes; anything this large is the wrong file.
    static let maximumSize = 64 * 1024

    struct Contents {
        let bytes: [UInt8]
        let warnings: [KeySourceWarning]
    }

    /// The file's bytes; `role` ("key file", "keystore file", "password file") names it in errors.
    static func contents(of path: String, role: String) throws(KeyLoadError) -> Contents {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY)
        guard descriptor >= 0 else { throw unreadable(path, role, errno: errno) }
        defer { close(descriptor) }

        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw unreadable(path, role, errno: errno) }
        guard (status.st_mode & S_IFMT) == S_IFREG else {
            throw KeyLoadError(
                .unreadableFile,
                "cannot read \(role) \(path): is \(kind(status.st_mode)), not a regular file; point the setting at the file holding the secret"
            )
        }
        let mode = status.st_mode & 0o777
        if mode & S_IWOTH != 0 {
            throw KeyLoadError(
                .insecureFile,
                "\(role) \(path) is world-writable (mode \(octal(mode))), so anyone on this host could replace it; run `chmod o-w \(path)`"
            )
        }
        guard status.st_size <= maximumSize else { throw tooLarge(path, role) }

        var contents: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw unreadable(path, role, errno: errno)
            }
            if count == 0 { break }
            contents += chunk[..<count]
            // The file may have grown since fstat.
            guard contents.count <= maximumSize else { throw tooLarge(path, role) }
        }
        return Contents(bytes: contents, warnings: warning(path, role, mode: mode).map { [$0] } ?? [])
    }

    /// A warning for a file that people other than its owner can read or replace.
    private static func warning(_ path: String, _ role: String, mode: mode_t) -> KeySourceWarning? {
        var exposures: [String] = []
        switch (mode & S_IRGRP != 0, mode & S_IROTH != 0) {
        case (true, true): exposures.append("readable by its group and by every user on this host")
        case (true, false): exposures.append("readable by its group")
        case (false, true): exposures.append("readable by every user on this host")
        case (false, false): break
        }
        if mode & S_IWGRP != 0 { exposures.append("writable by its group") }
        guard !exposures.isEmpty else { return nil }
        return KeySourceWarning(
            path: path,
            description: "\(role) \(path) is \(exposures.joined(separator: " and ")) (mode \(octal(mode))), which exposes the signing key to them; run `chmod 600 \(path)` (on Kubernetes, set the secret volume's defaultMode to 0400)"
        )
    }

    private static func kind(_ mode: mode_t) -> String {
        switch mode & S_IFMT {
        case S_IFDIR: "a directory"
        case S_IFIFO: "a FIFO (named pipe)"
        case S_IFCHR: "a character device"
        case S_IFBLK: "a block device"
        case S_IFSOCK: "a socket"
        default: "an unusual kind of file"
        }
    }

    private static func octal(_ mode: mode_t) -> String {
        let digits = String(mode, radix: 8)
        return "0" + String(repeating: "0", count: max(0, 3 - digits.count)) + digits
    }

    private static func tooLarge(_ path: String, _ role: String) -> KeyLoadError {
        KeyLoadError(
            .unreadableFile,
            "cannot read \(role) \(path): larger than \(maximumSize) bytes, so it is not a \(role)"
        )
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
