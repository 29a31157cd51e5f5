import API
import BroadcastModel
import EVMPrimitives
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Kafka
import KafkaTestSupport
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

    @Test("an Idempotency-Key repeat answers the same id without a second message; another body gets 422")
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

    @Test("Prefer: wait returns 202 with the current status at the deadline, and 200 with the transaction once broadcast")
    func preferWait() async throws {
        try await APIHarness.run { harness, client in
            let tail = try #require(harness.dependencies.resultsTail)
            #expect(await tail.waitUntilPositioned())
            let prefer: HTTPFields = [HTTPField.Name("Prefer")!: "wait=1"]
            let pending = try await client.broadcast(APIHarness.missionBody, headers: prefer)
            #expect(pending.status == .accepted, "\(pending.text)")
            #expect(pending.headers[HTTPField.Name("Preference-Applied")!] == "wait=1")
            #expect(try pending.json()["status"] as? String == "accepted")

            // Play the worker: read the request, then publish its outcome on the results topic.
            try await harness.withTail(APIHarness.requestsTopic) { requests in
                let producer = try KafkaProducer(configuration: .init(bootstrapServers: harness.broker.bootstrapServers), logger: APIHarness.logger)
                return try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { try await producer.run() }
                    async let answer = client.broadcast(APIHarness.missionBody, headers: [HTTPField.Name("Prefer")!: "wait=20"])
                    var iterator = requests.messages.makeAsyncIterator()
                    var accepted: BroadcastRequest?
                    while accepted == nil, let message = await iterator.next() {
                        accepted = try? decodeRequest(message)
                    }
                    let request = try #require(accepted)
                    let record = TransactionRecord(
                        request: request, status: .broadcast, nonce: Nonce(7), rawTransaction: [0x02, 0xf8, 0x01],
                        hash: try TxHash("0x" + String(repeating: "ab", count: 32)), attempts: 1, createdAt: Date(), updatedAt: Date())
                    _ = try await producer.send(
                        topic: APIHarness.resultsTopic, key: Array(request.id.description.utf8),
                        value: Array(try TopicCoding.encoder().encode(StatusEvent(record: record, at: Date()))))
                    let response = try await answer
                    #expect(response.status == .ok, "\(response.text)")
                    let json = try response.json()
                    #expect(json["id"] as? String == request.id.description)
                    #expect(json["status"] as? String == "broadcast")
                    #expect(json["hash"] as? String == "0x" + String(repeating: "ab", count: 32))
                    #expect(json["raw_transaction"] as? String == "0x02f801")
                    #expect(json["nonce"] as? String == "0x7")
                    #expect(response.headers[HTTPField.Name("Preference-Applied")!] == "wait=20")
                    group.cancelAll()
                }
            }
        }
    }
}
