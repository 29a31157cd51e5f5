import Foundation
import StatusStore

/// The store holds every signed transaction and who sent what to whom: only its owner may
/// read it. SQLite creates the -wal and -shm files with the database file's mode, so a
/// database file created 0600 keeps all three owner-only whatever the umask.
enum StoreFilePermissions {
    static let ownerOnly: mode_t = 0o600

    /// Creates the database file at `path` owner-only if it is missing, and takes group and
    /// other permissions off the database, -wal and -shm files that already exist. Returns one
    /// warning per file it had to change, or could not.
    static func secure(path: String) -> [String] {
        let created = open(path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, ownerOnly)
        if created >= 0 { close(created) }
        var warnings: [String] = []
        for file in [path, path + "-wal", path + "-shm"] {
            var info = stat()
            guard stat(file, &info) == 0 else { continue }
            let permissions = info.st_mode & 0o777
            guard permissions & 0o077 != 0 else { continue }
            let restricted = permissions & 0o700
            if chmod(file, restricted) == 0 {
                warnings.append(
                    "the status store file \(file) was readable or writable by group or others (mode \(octal(permissions))); it is now \(octal(restricted)), as a file of signed transactions must be")
            } else {
                let reason = String(cString: strerror(errno))
                warnings.append(
                    "the status store file \(file) is readable or writable by group or others (mode \(octal(permissions))) and could not be restricted (\(reason)); run chmod 600 on it as its owner")
            }
        }
        return warnings
    }

    private static func octal(_ mode: mode_t) -> String {
        "0" + String(mode, radix: 8)
    }
}
