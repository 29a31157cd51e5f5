import BigInt
import BroadcastModel
import EVMPrimitives
import Foundation
import Testing

/// `topicBytes` is written by hand for speed; what it must equal is what `JSONEncoder` writes
/// with the topic's settings, byte for byte, for any event.
@Suite struct StatusEventTopicBytesTests {
    private struct Seeded: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    private func hash(_ random: inout Seeded) throws -> TxHash {
        try TxHash(bytes: (0..<32).map { _ in UInt8.random(in: 0...255, using: &random) })
    }

    /// Any instant, or one on a whole millisecond (as the store keeps them): those are where
    /// seconds counted from 1970 and from 2001 disagree on the millisecond.
    private func date(_ random: inout Seeded) -> Date {
        if Bool.random(using: &random) { return Date(timeIntervalSince1970: Double.random(in: 0..<4_102_444_800, using: &random)) }
        return Date(timeIntervalSince1970: Double(Int64.random(in: 0..<4_102_444_800_000, using: &random)) / 1000)
    }

    /// Text with what JSON must escape, slashes (left alone), and characters beyond ASCII.
    private func text(_ random: inout Seeded) -> String {
        let pieces = ["a", "Z", "0", " ", "\"", "\\", "/", "\n", "\r", "\t", "\u{08}", "\u{0C}", "\u{00}", "\u{01}", "\u{1F}",
                      "\u{7F}", "é", "€", "🙂", "\u{2028}", "nonce too low", "{", "}"]
        return (0..<Int.random(in: 0...12, using: &random)).map { _ in pieces.randomElement(using: &random) ?? "" }.joined()
    }

    private func event(_ random: inout Seeded) throws -> StatusEvent {
        let versions = try (0..<Int.random(in: 0...3, using: &random)).map { number in
            VersionSummary(
                number: number + 1, kind: ["original", "replacement", "cancellation"].randomElement(using: &random) ?? "",
                hash: try hash(&random), maxFeePerGas: Wei(UInt64.random(in: 0...UInt64.max, using: &random)),
                maxPriorityFeePerGas: Wei(UInt64.random(in: 0...1_000_000, using: &random)), signedAt: date(&random))
        }
        let receipt = Bool.random(using: &random) ? nil : ReceiptSummary(
            hash: try hash(&random), block: BlockNumber(UInt64.random(in: 0...UInt64.max, using: &random)),
            blockHash: try #require(BlockHash(bytes: (0..<32).map { _ in UInt8.random(in: 0...255, using: &random) })),
            succeeded: Bool.random(using: &random), gasUsed: Gas(UInt64.random(in: 0...30_000_000, using: &random)),
            effectiveGasPrice: Bool.random(using: &random) ? nil : Wei(exactly: BigUInt(UInt64.random(in: 0...UInt64.max, using: &random)) << 40))
        return StatusEvent(
            id: RequestID(UUID()), sequence: Int.random(in: 0...Int.max, using: &random),
            status: TransactionStatus.allCases.randomElement(using: &random) ?? .accepted,
            nonce: Nonce(UInt64.random(in: 0...UInt64.max, using: &random)), hash: try hash(&random), versions: versions,
            receipt: receipt, error: Bool.random(using: &random) ? nil : text(&random), at: date(&random))
    }

    @Test func randomEventsMatchJSONEncoderByteForByte() throws {
        var random = Seeded(state: 20261204)
        let encoder = TopicCoding.encoder()
        for _ in 0..<3000 {
            let event = try event(&random)
            let expected = Array(try encoder.encode(event))
            let written = event.topicBytes
            #expect(written == expected, "\(String(decoding: written, as: UTF8.self))\nwanted\n\(String(decoding: expected, as: UTF8.self))")
            if written != expected { return }
        }
    }

    @Test(arguments: [
        0.0, 0.0004, 0.9999, 59.9995, 951_782_400.5, 1_709_164_800.123, 1_764_832_853.1239, 4_102_444_799.999,
        253_402_300_799.999, 253_402_300_800.0, -1.0, -0.0005, -62_135_596_800.0,
    ])
    func edgeDatesMatchJSONEncoder(seconds: Double) throws {
        var event = try event(&Self.fixed)
        event.at = Date(timeIntervalSince1970: seconds)
        #expect(event.topicBytes == Array(try TopicCoding.encoder().encode(event)))
    }

    @Test func writtenEventsDecodeToThemselves() throws {
        var random = Seeded(state: 7)
        let decoder = TopicCoding.decoder()
        for _ in 0..<200 {
            var event = try event(&random)
            event.at = Date(timeIntervalSince1970: (event.at.timeIntervalSince1970 * 1000).rounded(.down) / 1000)
            event.versions = event.versions.map {
                var version = $0
                version.signedAt = Date(timeIntervalSince1970: (version.signedAt.timeIntervalSince1970 * 1000).rounded(.down) / 1000)
                return version
            }
            let decoded = try decoder.decode(StatusEvent.self, from: Data(event.topicBytes))
            #expect(decoded.id == event.id && decoded.versions.count == event.versions.count && decoded.error == event.error)
            #expect(decoded.receipt == event.receipt && decoded.status == event.status && decoded.nonce == event.nonce)
        }
    }

    nonisolated(unsafe) private static var fixed = Seeded(state: 1)
}
