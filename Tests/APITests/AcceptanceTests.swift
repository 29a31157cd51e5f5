import API
import BroadcastModel
import EVMPrimitives
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Kafka
import KafkaTestSupport
import Lifecycle
import SQLiteStore
import StatusStore
import Testing

/// The 200 path: acknowledged by the broker, on the requests topic with the sender as key.
@Suite("Accepted requests", .serialized)
struct AcceptanceTests {
    @Test("200 with an id only once the message is on the topic, keyed by the sender, as a BroadcastRequest")
    func acceptedMessageIsOnTheTopic() async throws {
        try await APIHarness.run { harness, client in
            try await harness.withTail(APIHarness.requestsTopic) { tail in
                let response = try await client.broadcast(APIHarness.missionBody, contentType: "application/json; charset=utf-8")
                #expect(response.status == .ok, "\(response.text)")
                let json = try response.json()
                #expect(json["status"] as? String == "accepted")
                let id = try response.requestID()

                var iterator = tail.messages.makeAsyncIterator()
                var found: (KafkaMessage, BroadcastRequest)?
                while found == nil, let message = await iterator.next() {
                    if let request = try? decodeRequest(message), request.id == id { found = (message, request) }
                }
                let (message, request) = try #require(found)
                #expect(message.key == Array(APIHarness.devSender.checksummed.utf8))
                #expect(request.messageType == "add_weight(address _addr, uint256 _weight)")
                #expect(request.function == "add_weight(address,uint256)")
                #expect(request.data == (try Calldata(hex: APIHarness.missionData)))
                #expect(request.to == APIHarness.devContract)
                #expect(request.from == APIHarness.devSender)
                #expect(request.retryOf == nil)
            }
        }
    }

    @Test("an Idempotency-Key repeat gets the first answer byte for byte, marked as a replay, without a second message; another body gets 422")
    func idempotency() async throws {
        try await APIHarness.run { harness, client in
            try await harness.withTail(APIHarness.requestsTopic) { tail in
                let key: HTTPFields = [HTTPField.Name("Idempotency-Key")!: "order-2024-0001"]
                let first = try await client.broadcast(APIHarness.missionBody, headers: key)
                #expect(first.status == .ok, "\(first.text)")
                let id = try #require(try first.json()["id"] as? String)

                // The same request in another spelling of the same signature is the same body.
                let sameBody = #"{"data": "\#(APIHarness.missionData)", "message_type": "add_weight(address,uint256)"}"#
                let repeated = try await client.broadcast(sameBody, headers: key)
                #expect(repeated.status == .ok, "\(repeated.text)")
                #expect(try repeated.json()["id"] as? String == id)
                #expect(repeated.body == first.body, "a repeat gets the first answer byte for byte")
                #expect(repeated.headers[HTTPField.Name("Idempotent-Replayed")!] == "true")
                #expect(first.headers[HTTPField.Name("Idempotent-Replayed")!] == nil)

                let otherData = String(APIHarness.missionData.dropLast(2)) + "fb"
                let conflict = try await client.broadcast(#"{"message_type": "add_weight(address,uint256)", "data": "\#(otherData)"}"#, headers: key)
                #expect(conflict.status == .unprocessableContent, "\(conflict.text)")
                #expect(try conflict.error().code == "idempotency_key_reused")
                #expect(try conflict.error().reason.contains(id))

                let sentinelID = try await client.broadcast(APIHarness.missionBody).requestID()
                // One sender, so one partition: everything before the sentinel's message is in order.
                var count = 0
                var iterator = tail.messages.makeAsyncIterator()
                while let message = await iterator.next() {
                    guard let request = try? decodeRequest(message) else { continue }
                    if request.id.description == id { count += 1 }
                    if request.id == sentinelID { break }
                }
                #expect(count == 1)
            }
        }
    }

    @Test("a repeat after the request moved on still gets the first answer; GET gives the current state")
    func replayIsTheFirstAnswerNotTheCurrentState() async throws {
        try await APIHarness.run { harness, client in
            let key: HTTPFields = [HTTPField.Name("Idempotency-Key")!: "order-moved-on"]
            let first = try await client.broadcast(APIHarness.missionBody, headers: key)
            #expect(first.status == .ok, "\(first.text)")
            let id = try first.requestID()

            // A worker takes it and broadcasts it.
            let request = BroadcastRequest(
                id: id, messageType: "add_weight(address _addr, uint256 _weight)", function: "add_weight(address,uint256)",
                data: try Calldata(hex: APIHarness.missionData), to: APIHarness.devContract, from: APIHarness.devSender,
                acceptedAt: Date())
            let hash = try TxHash("0x" + String(repeating: "ef", count: 32))
            try await harness.store.storeAsWorker(
                request, raw: [0x02, 0xbb], hash: hash, events: [.sent(version: 1, .accepted, head: nil)],
                attempts: [BroadcastAttempt(requestID: id, number: 1, version: 1, hash: hash, startedAt: Date(), finishedAt: Date(), outcome: .accepted)])

            let repeated = try await client.broadcast(APIHarness.missionBody, headers: key)
            #expect(repeated.status == .ok)
            #expect(repeated.body == first.body, "\(repeated.text) is not the first answer \(first.text)")
            #expect(try repeated.json()["status"] as? String == "accepted")
            #expect(repeated.headers[HTTPField.Name("Idempotent-Replayed")!] == "true")
            let current = try await client.execute(uri: "/transaction/\(id)", method: .get)
            #expect(try current.json()["status"] as? String == "submitted")
        }
    }
}
