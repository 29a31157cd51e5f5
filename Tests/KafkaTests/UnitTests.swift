import Testing

@testable import Kafka

@Suite("Kafka pieces without a broker")
struct UnitTests {
    @Test("the loaded librdkafka is the one scripts/build-librdkafka built, not Debian's 2.0.2 (the rpath works)")
    func runtimeVersion() throws {
        // build-librdkafka builds exactly this version; anything else came from somewhere else.
        #expect(LibRdKafka.version == LibRdKafka.requiredVersion)
        try LibRdKafka.requireVersion(atLeast: LibRdKafka.requiredVersion)
    }

    @Test("requireVersion names the fix when the library is too old")
    func versionTooOld() {
        let error = #expect(throws: KafkaError.self) { try LibRdKafka.requireVersion(atLeast: "99.1") }
        #expect(error?.code == .incompatibleLibrary)
        #expect(error?.description.contains("scripts/build-librdkafka") == true)
    }

    @Test("versions compare as dotted numbers", arguments: [
        ("2.8.0", "2.8.0", true), ("2.10.0", "2.8.0", true), ("2.0.2", "2.8.0", false),
        ("2.8", "2.8.0", true), ("2.8.0-RC1", "2.8.0", true), ("1.9.9", "2.0", false),
    ])
    func versionOrder(have: String, want: String, satisfied: Bool) {
        #expect(LibRdKafka.isVersion(have, atLeast: want) == satisfied)
    }

    @Test("fetching pauses at the limit, resumes at half, and re-pauses after a rebalance")
    func fetchPauser() {
        var pauser = FetchPauser(limit: 10)
        #expect(pauser.update(buffered: 9, generation: 1) == .none)
        #expect(pauser.update(buffered: 10, generation: 1) == .pause)
        #expect(pauser.update(buffered: 12, generation: 1) == .none)
        #expect(pauser.update(buffered: 11, generation: 2) == .pause)
        #expect(pauser.update(buffered: 6, generation: 2) == .none)
        #expect(pauser.update(buffered: 5, generation: 2) == .resume)
        #expect(pauser.update(buffered: 5, generation: 3) == .none)
    }

    @Test("a bad property is named in the error")
    func badProperty() {
        let error = #expect(throws: KafkaError.self) {
            _ = try KafkaProducer(
                configuration: .init(bootstrapServers: "127.0.0.1:1", properties: ["linger.ms": "soon"]),
                logger: testLogger)
        }
        #expect(error?.code == .invalidConfiguration)
        #expect(error?.description.contains("linger.ms=soon") == true)
    }

    @Test("properties cannot turn off what the promises rest on: acks, idempotence, the partitioner, no topic creation, refused positions")
    func enforcedProperties() {
        let producer = KafkaProducerConfiguration(
            bootstrapServers: "b:9092",
            properties: [
                "acks": "1", "enable.idempotence": "false", "partitioner": "consistent_random",
                "allow.auto.create.topics": "true", "linger.ms": "7",
            ])
        #expect(producer.rdKafkaProperties["acks"] == "all")
        #expect(producer.rdKafkaProperties["allow.auto.create.topics"] == "false")
        #expect(producer.rdKafkaProperties["enable.idempotence"] == "true")
        #expect(producer.rdKafkaProperties["partitioner"] == "murmur2_random")
        #expect(producer.rdKafkaProperties["linger.ms"] == "7")
        let consumer = KafkaConsumerConfiguration(
            bootstrapServers: "b:9092", groupID: "g", topics: ["t"],
            properties: ["enable.auto.commit": "true", "auto.offset.reset": "latest"])
        #expect(consumer.rdKafkaProperties["enable.auto.commit"] == "false")
        #expect(consumer.rdKafkaProperties["auto.offset.reset"] == "error")
    }

    @Test("an element pushed while a reader waits goes to that reader, not into the queue")
    func eventBufferHandsToWaiter() async throws {
        let buffer = EventBuffer<Int>()
        let reader = Task { await buffer.next() }
        try await eventually("the reader to wait") { buffer.bookkeeping.waiting == 1 }
        buffer.push(1)
        #expect(buffer.count == 0)
        #expect(await reader.value == 1)
        #expect(buffer.bookkeeping == .empty)
    }

    @Test("elements pushed with nobody waiting are read in order; after finish, pushes are ignored and readers end")
    func eventBufferQueues() async {
        let buffer = EventBuffer<Int>()
        buffer.push(1)
        buffer.push(2)
        buffer.push(3)
        #expect(buffer.count == 3)
        buffer.finish()
        buffer.push(4)
        #expect(buffer.count == 3)
        #expect(await buffer.next() == 1)
        #expect(await buffer.next() == 2)
        #expect(await buffer.next() == 3)
        #expect(await buffer.next() == nil)
    }

    @Test("a reader cancelled while waiting gets nil, and the next element waits for the next reader")
    func eventBufferCancelledWhileWaiting() async throws {
        let buffer = EventBuffer<Int>()
        let reader = Task { await buffer.next() }
        try await eventually("the reader to wait") { buffer.bookkeeping.waiting == 1 }
        reader.cancel()
        #expect(await reader.value == nil)
        #expect(buffer.bookkeeping == .empty)
        buffer.push(7)
        #expect(buffer.count == 1)
        #expect(await buffer.next() == 7)
    }

    @Test("a reader cancelled before it looks gets nil without taking an element, and leaves nothing behind")
    func eventBufferCancelledBeforeLooking() async {
        let buffer = EventBuffer<Int>()
        buffer.push(7)
        let reader = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return await buffer.next()
        }
        #expect(await reader.value == nil)
        #expect(buffer.count == 1)
        #expect(buffer.bookkeeping == .empty)
        #expect(await buffer.next() == 7)
    }
}
