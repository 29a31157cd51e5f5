/// Caller text quoted in an error reason, cut short: a reason names what was wrong, it does
/// not send a 32 KB header back.
enum Echo {
    static func bounded(_ text: some StringProtocol, limit: Int = 80) -> String {
        guard text.count > limit else { return String(text) }
        return String(text.prefix(limit)) + "… (\(text.utf8.count) bytes)"
    }
}
