import BroadcastModel
import Foundation
import Testing

@Suite("Request ids derived from a digest")
struct RequestIDDigestTests {
    /// The layout the API's Idempotency-Key ids and the dashboard's retry ids share: the first 16
    /// bytes, version 8 and the RFC 9562 variant set. Changing it would rename every repeat.
    @Test func theFirstSixteenBytesWithVersionEightAndTheVariant() {
        let digest = (0..<32).map { UInt8($0) }
        #expect(RequestID(digest: digest).description == "00010203-0405-8607-8809-0a0b0c0d0e0f")
        #expect(RequestID(digest: [UInt8](repeating: 0xFF, count: 32)).description == "ffffffff-ffff-8fff-bfff-ffffffffffff")
        #expect(RequestID(digest: [0xAB]).description == "ab000000-0000-8000-8000-000000000000")
    }
}
