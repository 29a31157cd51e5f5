import BroadcastModel
import Foundation
import Testing

@Suite("Request ids: random ones and their text")
struct RequestIDTests {
    /// A generator that hands out fixed words, so the layout of a random id can be checked.
    struct FixedWords: RandomNumberGenerator {
        var words: [UInt64]
        mutating func next() -> UInt64 { words.isEmpty ? 0 : words.removeFirst() }
    }

    @Test func aRandomIdIsVersionFourWithTheVariantAndTheGeneratorsBytes() {
        var all = FixedWords(words: [0xFFFF_FFFF_FFFF_FFFF, 0xFFFF_FFFF_FFFF_FFFF])
        #expect(RequestID(random: &all).description == "ffffffff-ffff-4fff-bfff-ffffffffffff")
        var none = FixedWords(words: [0, 0])
        #expect(RequestID(random: &none).description == "00000000-0000-4000-8000-000000000000")
        var counting = FixedWords(words: [0x0011_2233_4455_6677, 0x8899_AABB_CCDD_EEFF])
        #expect(RequestID(random: &counting).description == "00112233-4455-4677-8899-aabbccddeeff")
    }

    /// The hand-made text must be what Foundation prints, lowercased, and parse back.
    @Test func theTextIsFoundationsLowercasedAndParsesBack() throws {
        for _ in 0..<200 {
            let id = RequestID()
            #expect(id.description == id.uuid.uuidString.lowercased())
            #expect(RequestID(id.description) == id)
            #expect(id.uuid.uuidString.dropFirst(14).first == "4")
            let variant = try #require(id.description.dropFirst(19).first)
            #expect("89ab".contains(variant))
        }
    }

    @Test func randomIdsDiffer() {
        let ids = Set((0..<1_000).map { _ in RequestID() })
        #expect(ids.count == 1_000)
    }
}
