import BroadcastModel
import EVMPrimitives
import Foundation
import Testing

@Suite struct BroadcastRequestCodingTests {
    @Test func roundTripsWithSnakeCaseKeys() throws {
        let request = BroadcastRequest(
            id: RequestID(UUID(uuidString: "3F2504E0-4F89-11D3-9A0C-0305E82C3301")!),
            messageType: "add_weight(address _addr, uint256 _weight)",
            function: "add_weight(address,uint256)",
            data: Calldata([0xd7, 0x13, 0x63, 0x28]),
            to: try Address("0x5eb715d601c2f27f83cb554b6b36e047822fb70a"),
            from: try Address("0x7e5f4552091a69125d5dfcb7b8c2659029395bdf"),
            acceptedAt: Date(timeIntervalSince1970: 1_700_000_000)
        )
        let json = try JSONEncoder().encode(request)
        let object = try #require(try JSONSerialization.jsonObject(with: json) as? [String: Any])
        #expect(object["id"] as? String == "3f2504e0-4f89-11d3-9a0c-0305e82c3301")
        #expect(object["message_type"] as? String == "add_weight(address _addr, uint256 _weight)")
        #expect(object["data"] as? String == "0xd7136328")
        #expect(try JSONDecoder().decode(BroadcastRequest.self, from: json) == request)
    }

    @Test func rejectsAnIdThatIsNotAUUID() {
        #expect(RequestID("not-a-uuid") == nil)
        #expect(throws: DecodingError.self) {
            _ = try JSONDecoder().decode(RequestID.self, from: Data(#""42""#.utf8))
        }
    }
}

@Suite struct TopicCodingTests {
    @Test func datesTravelAsISO8601InUTCToTheMillisecond() throws {
        let date = Date(timeIntervalSince1970: 1_700_000_000.25)
        let json = try TopicCoding.encoder().encode(["at": date])
        #expect(String(decoding: json, as: UTF8.self) == #"{"at":"2023-11-14T22:13:20.250Z"}"#)
        #expect(try TopicCoding.decoder().decode([String: Date].self, from: json) == ["at": date])
    }

    @Test func acceptsDatesWithoutFractionAndRejectsOtherForms() throws {
        let whole = try TopicCoding.decoder().decode([String: Date].self, from: Data(#"{"at":"2023-11-14T22:13:20Z"}"#.utf8))
        #expect(whole["at"] == Date(timeIntervalSince1970: 1_700_000_000))
        #expect(throws: DecodingError.self) {
            _ = try TopicCoding.decoder().decode([String: Date].self, from: Data(#"{"at":721000000}"#.utf8))
        }
    }
}
