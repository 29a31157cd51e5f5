import BroadcastModel
import EVMPrimitives
import Foundation

/// Writes a `BroadcastRequest` as the requests topic carries it, byte for byte what
/// `TopicCoding.encoder()` writes (sorted keys, unescaped slashes, ISO 8601 UTC to the
/// millisecond), without the Codable machinery on the API's hot path, and its message key.
///
/// The EIP-55 text of an address costs a Keccak; those of the configured senders and contracts
/// are computed once here, others on each use. `RequestEncodingTests` compares the bytes with
/// `TopicCoding`'s for many requests; change both or neither.
public struct RequestEncoding: Sendable {
    private let checksums: [Address: [UInt8]]

    /// - Parameter knownAddresses: the addresses most requests name (senders, contracts).
    public init(knownAddresses: some Sequence<Address> = []) {
        var checksums: [Address: [UInt8]] = [:]
        for address in knownAddresses { checksums[address] = Array(address.checksummed.utf8) }
        self.checksums = checksums
    }

    /// The message key: the sender's checksummed address, so one sender's requests share a partition.
    public func key(of request: BroadcastRequest) -> [UInt8] {
        checksummed(request.from)
    }

    /// The message value, the JSON object with its keys in byte order.
    public func value(of request: BroadcastRequest) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(256 + request.data.bytes.count * 2 + request.messageType.utf8.count + request.function.utf8.count)
        out.append(contentsOf: #"{"accepted_at":""#.utf8)
        Self.appendTimestamp(request.acceptedAt, to: &out)
        out.append(contentsOf: #"","data":"0x"#.utf8)
        for byte in request.data.bytes {
            out.append(Self.hexDigits[Int(byte >> 4)])
            out.append(Self.hexDigits[Int(byte & 0x0f)])
        }
        out.append(contentsOf: #"","from":""#.utf8)
        out.append(contentsOf: checksummed(request.from))
        out.append(contentsOf: #"","function":"#.utf8)
        Self.appendString(request.function, to: &out)
        out.append(contentsOf: #","id":""#.utf8)
        out.append(contentsOf: request.id.description.utf8)
        out.append(contentsOf: #"","message_type":"#.utf8)
        Self.appendString(request.messageType, to: &out)
        if let retryOf = request.retryOf {
            out.append(contentsOf: #","retry_of":""#.utf8)
            out.append(contentsOf: retryOf.description.utf8)
            out.append(UInt8(ascii: "\""))
        }
        out.append(contentsOf: #","to":""#.utf8)
        out.append(contentsOf: checksummed(request.to))
        out.append(contentsOf: #""}"#.utf8)
        return out
    }

    private func checksummed(_ address: Address) -> [UInt8] {
        checksums[address] ?? Array(address.checksummed.utf8)
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    /// A JSON string as JSONEncoder writes it: `"` and `\` escaped, the short escapes for
    /// backspace, tab, newline, form feed and carriage return, `\u00xx` (lowercase) for the other
    /// control characters, everything else (slashes, DEL, non-ASCII) as its UTF-8 bytes.
    static func appendString(_ text: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case UInt8(ascii: "\\"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case 0x08: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "b")])
            case 0x09: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case 0x0a: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case 0x0c: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "f")])
            case 0x0d: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case 0x00..<0x20:
                out.append(contentsOf: #"\u00"#.utf8)
                out.append(hexDigits[Int(byte >> 4)])
                out.append(hexDigits[Int(byte & 0x0f)])
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    /// `2026-11-21T07:30:00.123Z`: UTC, the milliseconds truncated, as
    /// `Date.ISO8601FormatStyle(includingFractionalSeconds: true)` writes them (it splits the
    /// time since 2001 into whole seconds and a fraction; splitting the time since 1970 rounds
    /// differently). Outside years 1900-9999 the style itself writes it.
    static func appendTimestamp(_ date: Date, to out: inout [UInt8]) {
        let sinceReference = date.timeIntervalSinceReferenceDate
        let whole = sinceReference.rounded(.down)
        // Years 1900 to 9999 (seconds since 2001), where every conversion below is exact.
        guard whole.isFinite, whole >= -3_187_296_000, whole < 252_423_993_600 else {
            out.append(contentsOf: date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true)).utf8)
            return
        }
        let milliseconds = min(999, max(0, Int(((sinceReference - whole) * 1000).rounded(.down))))
        let sinceEpoch = Int(whole) + 978_307_200
        let days = sinceEpoch >= 0 ? sinceEpoch / 86_400 : (sinceEpoch - 86_399) / 86_400
        let secondOfDay = sinceEpoch - days * 86_400
        let (year, month, day) = civil(daysSinceEpoch: days)
        appendDigits(year, 4, to: &out)
        out.append(UInt8(ascii: "-"))
        appendDigits(month, 2, to: &out)
        out.append(UInt8(ascii: "-"))
        appendDigits(day, 2, to: &out)
        out.append(UInt8(ascii: "T"))
        appendDigits(secondOfDay / 3600, 2, to: &out)
        out.append(UInt8(ascii: ":"))
        appendDigits(secondOfDay / 60 % 60, 2, to: &out)
        out.append(UInt8(ascii: ":"))
        appendDigits(secondOfDay % 60, 2, to: &out)
        out.append(UInt8(ascii: "."))
        appendDigits(milliseconds, 3, to: &out)
        out.append(UInt8(ascii: "Z"))
    }

    /// The proleptic Gregorian date of a day counted from 1970-01-01 (Howard Hinnant's
    /// days-to-civil algorithm).
    static func civil(daysSinceEpoch: Int) -> (year: Int, month: Int, day: Int) {
        let shifted = daysSinceEpoch + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    private static func appendDigits(_ value: Int, _ width: Int, to out: inout [UInt8]) {
        var divisor = 1
        for _ in 1..<width { divisor *= 10 }
        while divisor > 0 {
            out.append(UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: value / divisor % 10))
            divisor /= 10
        }
    }
}
