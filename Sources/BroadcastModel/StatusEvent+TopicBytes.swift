import EVMPrimitives
import Foundation

extension StatusEvent {
    /// The event as the results topic and the outbox carry it: the very bytes
    /// `TopicCoding.encoder()` writes (keys sorted, absent optionals left out, dates in ISO 8601
    /// to the millisecond), written directly. Every change of every request is encoded on a
    /// worker's hot path, and `JSONEncoder` took 7-8 µs an event where this takes under one.
    public var topicBytes: [UInt8] {
        var json = TopicJSONWriter()
        json.object { json in
            json.key("at", first: true)
            json.date(at)
            if let error {
                json.key("error")
                json.string(error)
            }
            json.key("hash")
            json.string(hash.description)
            json.key("id")
            json.string(id.description)
            json.key("nonce")
            json.string(Quantity.encode(nonce.value))
            if let receipt {
                json.key("receipt")
                json.object { json in receipt.write(to: &json) }
            }
            json.key("sequence")
            json.integer(sequence)
            json.key("status")
            json.string(status.rawValue)
            json.key("versions")
            json.array(versions) { json, version in json.object { json in version.write(to: &json) } }
        }
        return json.bytes
    }
}

extension VersionSummary {
    fileprivate func write(to json: inout TopicJSONWriter) {
        json.key("hash", first: true)
        json.string(hash.description)
        json.key("kind")
        json.string(kind)
        json.key("max_fee_per_gas")
        json.string(Quantity.encode(maxFeePerGas.value))
        json.key("max_priority_fee_per_gas")
        json.string(Quantity.encode(maxPriorityFeePerGas.value))
        json.key("number")
        json.integer(number)
        json.key("signed_at")
        json.date(signedAt)
    }
}

extension ReceiptSummary {
    fileprivate func write(to json: inout TopicJSONWriter) {
        json.key("block", first: true)
        json.string(Quantity.encode(block.value))
        json.key("block_hash")
        json.string(blockHash.description)
        if let effectiveGasPrice {
            json.key("effective_gas_price")
            json.string(Quantity.encode(effectiveGasPrice.value))
        }
        json.key("gas_used")
        json.string(Quantity.encode(gasUsed.value))
        json.key("hash")
        json.string(hash.description)
        json.key("succeeded")
        json.bytes += succeeded ? Array("true".utf8) : Array("false".utf8)
    }
}

/// Appends JSON as `JSONEncoder` (with `.withoutEscapingSlashes`) writes it.
struct TopicJSONWriter {
    var bytes: [UInt8] = []

    init() { bytes.reserveCapacity(640) }

    mutating func object(_ body: (inout TopicJSONWriter) -> Void) {
        bytes.append(UInt8(ascii: "{"))
        body(&self)
        bytes.append(UInt8(ascii: "}"))
    }

    mutating func array<Element>(_ elements: [Element], _ body: (inout TopicJSONWriter, Element) -> Void) {
        bytes.append(UInt8(ascii: "["))
        for (index, element) in elements.enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            body(&self, element)
        }
        bytes.append(UInt8(ascii: "]"))
    }

    /// A key (plain ASCII, nothing to escape), after a comma unless it is the object's first.
    mutating func key(_ name: StaticString, first: Bool = false) {
        if !first { bytes.append(UInt8(ascii: ",")) }
        bytes.append(UInt8(ascii: "\""))
        name.withUTF8Buffer { bytes.append(contentsOf: $0) }
        bytes.append(contentsOf: [UInt8(ascii: "\""), UInt8(ascii: ":")])
    }

    mutating func integer(_ value: Int) {
        bytes.append(contentsOf: String(value).utf8)
    }

    mutating func string(_ text: String) {
        bytes.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case UInt8(ascii: "\\"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case 0x0A: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case 0x0D: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case 0x09: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case 0x08: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "b")])
            case 0x0C: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "f")])
            case 0..<0x20:
                bytes.append(contentsOf: Array("\\u00".utf8))
                bytes.append(Self.hexDigit(byte >> 4))
                bytes.append(Self.hexDigit(byte & 0x0F))
            default: bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    /// `yyyy-MM-ddTHH:mm:ss.SSSZ` in UTC, as `TopicCoding` formats dates: the milliseconds are
    /// the fraction of the seconds since 2001 (Foundation's reference date), truncated, which
    /// is not always what the seconds since 1970 give. Years outside 1970-9999 are left to
    /// Foundation.
    mutating func date(_ date: Date) {
        let sinceReference = date.timeIntervalSinceReferenceDate
        let whole = sinceReference.rounded(.down)
        let seconds = whole + Date.timeIntervalBetween1970AndReferenceDate
        guard seconds >= 0, seconds < 253_402_300_800 else {
            string(date.formatted(TopicCoding.withFraction))
            return
        }
        let millis = min(999, Int64(((sinceReference - whole) * 1000).rounded(.down)))
        let days = Int64(seconds) / 86_400
        let inDay = (Int64(seconds) % 86_400) * 1000 + millis
        let (year, month, day) = Self.civil(daysSince1970: days)
        bytes.append(UInt8(ascii: "\""))
        digits(year, 4)
        bytes.append(UInt8(ascii: "-"))
        digits(month, 2)
        bytes.append(UInt8(ascii: "-"))
        digits(day, 2)
        bytes.append(UInt8(ascii: "T"))
        digits(inDay / 3_600_000, 2)
        bytes.append(UInt8(ascii: ":"))
        digits(inDay / 60_000 % 60, 2)
        bytes.append(UInt8(ascii: ":"))
        digits(inDay / 1000 % 60, 2)
        bytes.append(UInt8(ascii: "."))
        digits(inDay % 1000, 3)
        bytes.append(contentsOf: [UInt8(ascii: "Z"), UInt8(ascii: "\"")])
    }

    private mutating func digits(_ value: Int64, _ width: Int) {
        var divisor: Int64 = 1
        for _ in 1..<width { divisor *= 10 }
        var rest = value
        while divisor > 0 {
            bytes.append(UInt8(ascii: "0") + UInt8(rest / divisor))
            rest %= divisor
            divisor /= 10
        }
    }

    private static func hexDigit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10
    }

    /// The proleptic Gregorian date `days` after 1970-01-01 (Howard Hinnant's days_from_civil, inverted).
    private static func civil(daysSince1970 days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let shifted = days + 719_468
        let era = shifted / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        return (era * 400 + yearOfEra + (month <= 2 ? 1 : 0), month, day)
    }
}
