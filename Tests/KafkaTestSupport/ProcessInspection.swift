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
