import Foundation

/// Fields of /proc/PID/stat: what a test needs to find a child process and see it stopped.
struct ProcessStat {
    let command: String
    let state: Character
    let parent: pid_t

    init?(pid: pid_t) {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let open = text.firstIndex(of: "("), let close = text.lastIndex(of: ")")
        else { return nil }
        // The command is in parentheses and may hold spaces; the fields after it are plain.
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count >= 2, let state = fields[0].first, let parent = pid_t(fields[1]) else { return nil }
        command = String(text[text.index(after: open)..<close])
        self.state = state
        self.parent = parent
    }
}

/// Whether a process holds the socket listening on a local TCP port, from /proc/net/tcp (the
/// socket's inode) and the process's file descriptors.
enum ListeningSocket {
    static func isHeld(port: Int, by pid: pid_t) -> Bool {
        guard let inode = listeningInode(port: port) else { return false }
        let descriptors = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd")) ?? []
        return descriptors.contains { descriptor in
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/fd/\(descriptor)")) == "socket:[\(inode)]"
        }
    }

    private static func listeningInode(port: Int) -> String? {
        guard let table = try? String(contentsOfFile: "/proc/net/tcp", encoding: .utf8) else { return nil }
        let hexPort = String(format: "%04X", port)
        for line in table.split(separator: "\n").dropFirst() {
            let columns = line.split(separator: " ")
            // sl, local_address, rem_address, st, tx:rx, tr:when, retrnsmt, uid, timeout, inode
            guard columns.count > 9, columns[1].hasSuffix(":\(hexPort)"), columns[3] == "0A" else { continue }
            return String(columns[9])
        }
        return nil
    }
}
