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

/// The list's filters as the URL carries them (`status` repeated, `sender`, `contract`, `type`,
/// `from`, `to` in UTC, `q`, `caller`, `after`), parsed without trusting any of them: every
/// field that does not parse is named in `problems`, and nothing is searched then.
struct ListFilters: Sendable, Equatable {
    var statuses: [TransactionStatus] = []
    var sender: Address?
    var contract: Address?
    var messageType: String?
    var createdFrom: Date?
    var createdBefore: Date?
    var q: String?
    var caller: String?
    var after: ListCursor?
    var problems: [String] = []

    /// The fields read, each at most this long (a longer one is a problem, not a search).
    static let maxFieldLength = 300

    init() {}

    init(fields: [(name: String, value: String)]) {
        for (name, raw) in fields {
            let value = raw.trimmingCharacters(in: .whitespaces)
            if value.isEmpty { continue }
            guard value.utf8.count <= Self.maxFieldLength else {
                problems.append("\(name) is longer than \(Self.maxFieldLength) characters")
                continue
            }
            switch name {
            case "status":
                for part in value.split(separator: ",") {
                    if let status = TransactionStatus(rawValue: String(part)), status != .accepted {
                        if !statuses.contains(status) { statuses.append(status) }
                    } else {
                        problems.append("status \"\(part)\" is not one of \(Self.statusNames)")
                    }
                }
            case "sender": sender = address(value, "sender")
            case "contract": contract = address(value, "contract")
            case "type": messageType = value
            case "from": createdFrom = time(value, "from")
            case "to": createdBefore = time(value, "to")
            case "q": q = value
            case "caller": caller = value
            case "after":
                if let cursor = ListCursor(token: value) { after = cursor } else { problems.append("after is not a page cursor from this list; start again from the first page") }
            default: break
            }
        }
        if let from = createdFrom, let before = createdBefore, from >= before {
            problems.append("from must be before to")
        }
    }

    static let statusNames = TransactionStatus.allCases.filter { $0 != .accepted }.map(\.rawValue).joined(separator: ", ")

    private mutating func address(_ text: String, _ name: String) -> Address? {
        guard let address = try? Address(text) else {
            problems.append("\(name) \"\(text)\" is not an address (0x and 40 hex digits)")
            return nil
        }
        return address
    }

    /// `2026-12-01`, `2026-12-01T16:30`, `2026-12-01 16:30:05`, with or without a trailing `Z`:
    /// always UTC.
    private mutating func time(_ text: String, _ name: String) -> Date? {
        guard let date = Self.parseUTC(text) else {
            problems.append("\(name) \"\(text)\" is not a UTC time such as 2026-12-01 or 2026-12-01T16:30")
            return nil
        }
        return date
    }

    static func parseUTC(_ text: String) -> Date? {
        var body = text.replacingOccurrences(of: " ", with: "T")
        if body.hasSuffix("Z") || body.hasSuffix("z") { body.removeLast() }
        let parts = body.split(separator: "T", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count) else { return nil }
        let day = parts[0].split(separator: "-", omittingEmptySubsequences: false).map { Int($0) }
        guard day.count == 3, let year = day[0], let month = day[1], let date = day[2], parts[0].count == 10 else { return nil }
        var hour = 0, minute = 0, second = 0
        if parts.count == 2 {
            let clock = parts[1].split(separator: ":", omittingEmptySubsequences: false).map { Int($0) }
            guard (2...3).contains(clock.count), let h = clock[0], let m = clock[1] else { return nil }
            hour = h
            minute = m
            if clock.count == 3 {
                guard let s = clock[2] else { return nil }
                second = s
            }
        }
        guard (1970...9999).contains(year), (1...12).contains(month), (1...31).contains(date), (0...23).contains(hour),
              (0...59).contains(minute), (0...59).contains(second) else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? .gmt
        let components = DateComponents(year: year, month: month, day: date, hour: hour, minute: minute, second: second)
        guard let result = calendar.date(from: components), calendar.dateComponents([.day], from: result).day == date else { return nil }
        return result
    }

    /// The store's query for these filters, without the search (`SearchBox` adds it).
    var baseQuery: RequestQuery {
        RequestQuery(
            statuses: Set(statuses), sender: sender, contract: contract, messageType: messageType, createdFrom: createdFrom,
            createdBefore: createdBefore)
    }

    /// The filters as URL query fields (the cursor left out), to keep them in links and forms.
    var fields: [(name: String, value: String)] {
        var fields: [(name: String, value: String)] = statuses.map { (name: "status", value: $0.rawValue) }
        if let sender { fields.append(("sender", sender.checksummed)) }
        if let contract { fields.append(("contract", contract.checksummed)) }
        if let messageType { fields.append(("type", messageType)) }
        if let createdFrom { fields.append(("from", Self.urlTime(createdFrom))) }
        if let createdBefore { fields.append(("to", Self.urlTime(createdBefore))) }
        if let q { fields.append(("q", q)) }
        if let caller { fields.append(("caller", caller)) }
        return fields
    }

    static func urlTime(_ date: Date) -> String {
        String(TimeText.utc(date).dropLast(4)).replacingOccurrences(of: " ", with: "T")
    }
}

enum URLQuery {
    /// `fields` as a query string, each part percent-encoded.
    static func encode(_ fields: [(name: String, value: String)]) -> String {
        fields.map { "\(escape($0.name))=\(escape($0.value))" }.joined(separator: "&")
    }

    static func escape(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
    }
}
