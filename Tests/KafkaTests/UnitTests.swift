import Testing

@testable import Kafka

@Suite("Kafka pieces without a broker")
struct UnitTests {
    @Test("the loaded librdkafka is the one scripts/build-librdkafka built, not Debian's 2.0.2 (the rpath works)")
    func runtimeVersion() throws {
        #expect(LibRdKafka.isVersion(LibRdKafka.version, atLeast: LibRdKafka.requiredVersion))
        #expect(!LibRdKafka.version.hasPrefix("2.0."))
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

    @Test("the event buffer keeps order, hands elements to waiting readers, and ends after finish")
    func eventBuffer() async {
        let buffer = EventBuffer<Int>()
        async let waiting = buffer.next()
        await Task.yield()
        buffer.push(1)
        buffer.push(2)
        buffer.push(3)
        #expect(await waiting == 1)
        #expect(buffer.count == 2)
        buffer.finish()
        buffer.push(4)
        #expect(await buffer.next() == 2)
        #expect(await buffer.next() == 3)
        #expect(await buffer.next() == nil)
    }

    @Test("a cancelled reader gets nil and leaves nothing behind")
    func cancelledReader() async {
        let buffer = EventBuffer<Int>()
        let reader = Task { await buffer.next() }
        reader.cancel()
        #expect(await reader.value == nil)
        buffer.push(7)
        #expect(await buffer.next() == 7)
    }
}
