import Foundation

/// Identifies one broadcast request from the API's answer to its final status.
///
/// A random UUID, or one derived from a caller's `Idempotency-Key` so that a repeated POST
/// names the same request.
public struct RequestID: Hashable, Sendable, Codable, CustomStringConvertible {
    public let uuid: UUID

    public init(_ uuid: UUID) {
        self.uuid = uuid
    }

    /// A random (version 4) id. Foundation's `UUID()` opens and reads `/dev/urandom` on every
    /// call on Linux, three system calls per request on the API's hot path; the system
    /// generator is one `getrandom`.
    public init() {
        var generator = SystemRandomNumberGenerator()
        self.init(random: &generator)
    }

    /// A version 4 id from `generator` (tests pass a seeded one).
    public init(random generator: inout some RandomNumberGenerator) {
        let high = generator.next() as UInt64, low = generator.next() as UInt64
        func byte(_ word: UInt64, _ index: Int) -> UInt8 { UInt8(truncatingIfNeeded: word >> (56 - 8 * index)) }
        self.init(UUID(uuid: (
            byte(high, 0), byte(high, 1), byte(high, 2), byte(high, 3), byte(high, 4), byte(high, 5),
            (byte(high, 6) & 0x0F) | 0x40, byte(high, 7),
            (byte(low, 0) & 0x3F) | 0x80, byte(low, 1), byte(low, 2), byte(low, 3), byte(low, 4), byte(low, 5),
            byte(low, 6), byte(low, 7))))
    }

    /// Parses the lowercase or uppercase 8-4-4-4-12 form.
    public init?(_ text: some StringProtocol) {
        guard let uuid = UUID(uuidString: String(text)) else { return nil }
        self.uuid = uuid
    }

    /// Lowercase 8-4-4-4-12, as the API prints it; formatted here, since `uuidString` and
    /// `lowercased()` are two more allocations for every request the API takes.
    public var description: String {
        func digit(_ nibble: UInt8) -> UInt8 { nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10 }
        return withUnsafeBytes(of: uuid.uuid) { bytes in
            String(unsafeUninitializedCapacity: 36) { text in
                var at = 0
                for (index, byte) in bytes.enumerated() {
                    if index == 4 || index == 6 || index == 8 || index == 10 {
                        text[at] = UInt8(ascii: "-")
                        at += 1
                    }
                    text[at] = digit(byte >> 4)
                    text[at + 1] = digit(byte & 0x0F)
                    at += 2
                }
                return at
            }
        }
    }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let id = RequestID(text) else {
            throw DecodingError.dataCorrupted(.init(
                codingPath: decoder.codingPath, debugDescription: "request id \"\(text)\" is not a UUID"))
        }
        self = id
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
