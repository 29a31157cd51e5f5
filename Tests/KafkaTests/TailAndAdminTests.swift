import Kafka
import KafkaTestSupport
import Testing

@Suite("KafkaTopicTail and KafkaAdmin against Tansu")
struct TailAndAdminTests {
    @Test("a tail sees messages produced after it is positioned, from every partition")
    func tailFromEnd() async throws {
        try await withTansu(topics: ["results": 3]) { broker in
            let producer = try KafkaProducer(
                configuration: .init(bootstrapServers: broker.bootstrapServers), logger: testLogger)
            let tail = try KafkaTopicTail(bootstrapServers: broker.bootstrapServers, topic: "results", logger: testLogger)
            try await whileRunning([producer, tail]) {
                _ = try await producer.send(topic: "results", key: bytes("a"), value: bytes("old"))
                #expect(await tail.waitUntilPositioned())
                var expected: Set<String> = []
                for index in 0..<12 {
                    let report = try await producer.send(topic: "results", key: bytes("k\(index)"), value: bytes("new-\(index)"))
                    expected.insert("\(report.partition)/\(report.offset)")
                }
                var seen: Set<String> = []
                for await message in tail.messages where text(message.value).hasPrefix("new-") {
                    seen.insert("\(message.partition)/\(message.offset)")
                    if seen == expected { break }
                }
                #expect(seen == expected)
            }
        }
    }

    @Test("createTopic makes a topic with the asked partitions and accepts one that exists")
    func createTopic() async throws {
        try await withTansu { broker in
            let admin = try KafkaAdmin(bootstrapServers: broker.bootstrapServers, logger: testLogger)
            try await admin.createTopic("made", partitions: 3)
            try await admin.createTopic("made", partitions: 3)
            let producer = try KafkaProducer(
                configuration: .init(bootstrapServers: broker.bootstrapServers), logger: testLogger)
            try await whileRunning([producer]) {
                var partitions: Set<Int32> = []
                for index in 0..<30 {
                    partitions.insert(try await producer.send(topic: "made", key: bytes("k\(index)"), value: [1]).partition)
                }
                #expect(partitions == [0, 1, 2])
            }
        }
    }
}
