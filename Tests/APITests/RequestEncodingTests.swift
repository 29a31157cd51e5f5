import BroadcastModel
import EVMPrimitives
import Foundation
import HTTPTypes
import RequestTopic
import Testing

@testable import API

/// The requests topic's bytes must not change: workers, kcat users and other services read
/// them. `RequestEncoding` writes them by hand; `TopicCoding`'s encoder is the reference.
@Suite("The requests topic's encoding")
struct RequestEncodingTests {
    /// Every control character, quotes, backslashes, slashes, DEL, non-ASCII and the Unicode
    /// line separators, which JSON encoders disagree on.
    static let awkward: [String] = [
        "add_weight(address _addr, uint256 _weight)", "add_weight(address,uint256)", "", "\"", "\\", "/", "</script>",
        String(decoding: (0..<0x20).map { UInt8($0) }, as: UTF8.self), "\u{7f}", "é", "\u{2028}\u{2029}", "\u{FEFF}", "😀",
        " add_weight( address a , uint b ) ", "tab\there\nnew\r\u{0c}\u{08}",
    ]

    static func randomText(_ generator: inout some RandomNumberGenerator) -> String {
        let scalars = (0..<Int.random(in: 0...24, using: &generator)).compactMap { _ -> Unicode.Scalar? in
            switch Int.random(in: 0..<4, using: &generator) {
            case 0: Unicode.Scalar(UInt8.random(in: 0...0x7f, using: &generator))
            case 1: Unicode.Scalar(UInt32.random(in: 0x80...0x2fff, using: &generator))
            case 2: Unicode.Scalar(UInt32.random(in: 0x1f300...0x1f6ff, using: &generator))
            default: Unicode.Scalar(UInt8.random(in: 0x20...0x7e, using: &generator))
            }
        }
        var text = ""
        text.unicodeScalars.append(contentsOf: scalars)
        return text
    }

    static func randomAddress(_ generator: inout some RandomNumberGenerator) -> Address {
        try! Address(bytes: (0..<20).map { _ in UInt8.random(in: 0...255, using: &generator) })
    }

    /// Times a broadcaster could stamp, and some it never would: whole milliseconds, a hair
    /// either side of them, and arbitrary fractions, from 1900 to 9999, and before 1900 (which
    /// the style writes itself).
    static func randomDate(_ generator: inout some RandomNumberGenerator) -> Date {
        let milliseconds = Double(Int64.random(in: -2_208_988_800_000...253_402_300_799_999, using: &generator)) / 1000
        switch Int.random(in: 0..<6, using: &generator) {
        case 0: return Date(timeIntervalSince1970: milliseconds)
        case 1: return Date(timeIntervalSince1970: milliseconds + Double.random(in: -1e-6...1e-6, using: &generator))
        case 2: return Date(timeIntervalSince1970: Double.random(in: 1.6e9...2.2e9, using: &generator))
        case 3: return Date(timeIntervalSince1970: Double(Int64.random(in: 1_600_000_000_000...2_200_000_000_000, using: &generator)) / 1000)
        case 4: return Date(timeIntervalSinceReferenceDate: Double.random(in: -1e10...7e9, using: &generator))
        default: return Date()
        }
    }

    static func assertSameBytes(_ request: BroadcastRequest, _ encoding: RequestEncoding) throws {
        let reference = Array(try TopicCoding.encoder().encode(request))
        let written = encoding.value(of: request)
        #expect(written == reference, "\(String(decoding: written, as: UTF8.self)) != \(String(decoding: reference, as: UTF8.self))")
        #expect(encoding.key(of: request) == Array(request.from.checksummed.utf8))
        // And it reads back as the same request.
        #expect(try TopicCoding.decoder().decode(BroadcastRequest.self, from: Data(written)).id == request.id)
    }

    @Test("hand-written bytes equal TopicCoding's for 20,000 random requests, known addresses or not")
    func sameBytesAsTopicCoding() throws {
        var generator = SystemRandomNumberGenerator()
        let known = (0..<4).map { _ in Self.randomAddress(&generator) }
        let encodings = [RequestEncoding(), RequestEncoding(knownAddresses: known)]
        for round in 0..<20_000 {
            let text = round < Self.awkward.count ? Self.awkward[round] : Self.randomText(&generator)
            let dataLength = [0, 1, 4, 68, 4096][Int.random(in: 0..<5, using: &generator)]
            let request = BroadcastRequest(
                id: RequestID(), messageType: text, function: Self.randomText(&generator),
                data: Calldata((0..<dataLength).map { _ in UInt8.random(in: 0...255, using: &generator) }),
                to: Bool.random(using: &generator) ? known[round % 4] : Self.randomAddress(&generator),
                from: Bool.random(using: &generator) ? known[(round + 1) % 4] : Self.randomAddress(&generator),
                acceptedAt: Self.randomDate(&generator),
                retryOf: Bool.random(using: &generator) ? RequestID() : nil)
            try Self.assertSameBytes(request, encodings[round % 2])
        }
    }

    @Test("the edges of the calendar: leap days, year ends, the epoch, the reference date", arguments: [
        "1900-01-01T00:00:00Z", "1969-12-31T23:59:59Z", "1970-01-01T00:00:00Z", "2000-02-29T12:00:00Z",
        "2001-01-01T00:00:00Z", "2100-02-28T23:59:59Z", "2100-03-01T00:00:00Z", "2400-02-29T00:00:00Z",
        "9999-12-31T23:59:59Z",
    ])
    func calendarEdges(_ text: String) throws {
        let base = try #require(try? Date.ISO8601FormatStyle().parse(text))
        for offset in [-0.0005, -0.000_000_1, 0, 0.000_000_1, 0.0005, 0.999, 0.9999999] {
            try Self.assertSameBytes(
                BroadcastRequest(
                    id: RequestID(), messageType: "m", function: "f", data: .empty, to: .zero, from: .zero,
                    acceptedAt: base.addingTimeInterval(offset)),
                RequestEncoding())
        }
    }
}

/// The 200 most POSTs get is written by hand; it must stay what the encoder writes.
@Suite("The accepted answer")
struct AcceptedAnswerTests {
    @Test("Answer.accepted is .json(.ok, StatusView.accepted(id)), byte for byte")
    func sameAsEncoded() {
        for _ in 0..<100 {
            let id = RequestID()
            let written = Answer.accepted(id), encoded = Answer.json(.ok, StatusView.accepted(id))
            #expect(written.body == encoded.body, "\(String(decoding: written.body, as: UTF8.self))")
            #expect(written.status == encoded.status && written.headers == encoded.headers)
        }
    }
}
