import ABI
import AdminAccess
import AdminActions
import BroadcastModel
import BroadcasterConfig
import EVMPrimitives
import Foundation
import HTTPTypes
import Hummingbird
import Lifecycle
import NIOCore
import StatusStore

/// Times as the dashboard shows them: UTC, to the second, and how long ago.
enum TimeText {
    static func utc(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? .gmt
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        func two(_ v: Int?) -> String { String(v ?? 0).leftPadded(to: 2) }
        return "\(String(c.year ?? 0).leftPadded(to: 4))-\(two(c.month))-\(two(c.day)) \(two(c.hour)):\(two(c.minute)):\(two(c.second)) UTC"
    }

    /// ISO 8601 with milliseconds, for JSON and `<time datetime>`.
    static func iso(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }

    static func age(of date: Date, now: Date) -> String {
        let interval = now.timeIntervalSince(date)
        guard interval.isFinite, abs(interval) < 1e12 else { return "" }
        let seconds = Int(interval.rounded(.down))
        return seconds < 0 ? "in \(span(-seconds))" : "\(span(seconds)) ago"
    }

    static func span(_ seconds: Int) -> String {
        if seconds < 60 { return "\(seconds) s" }
        if seconds < 3600 { return "\(seconds / 60) min" }
        if seconds < 86_400 { return "\(seconds / 3600) h \(seconds % 3600 / 60) min" }
        return "\(seconds / 86_400) d \(seconds % 86_400 / 3600) h"
    }
}

/// A time for a page and for JSON: the instant, its UTC text, and its age when rendered.
struct TimeView: Codable, Sendable {
    var iso: String
    var utc: String
    var age: String

    init(_ date: Date, now: Date) {
        iso = TimeText.iso(date)
        utc = TimeText.utc(date)
        age = TimeText.age(of: date, now: now)
    }
}
