import KafkaTestSupport
import Logging
import ServiceLifecycle
import Testing

@testable import Kafka

/// Each test forces one path (the message is in librdkafka, or it never got there) and checks
/// what tells that path from the other, not only the error code both share.
@Suite("Cancellation and shutdown")
struct ShutdownTests {
    /// A producer whose broker never answers, so a message stays in librdkafka until its
    /// delivery timeout (far beyond each test).
    func producerWithoutBroker(shutdownTimeout: Duration = .milliseconds(300)) throws -> KafkaProducer {
        try KafkaProducer(
            configuration: .init(
                bootstrapServers: "127.0.0.1:\(try TansuBroker.unusedPort())", deliveryTimeout: .seconds(120),
                shutdownTimeout: shutdownTimeout),
            logger: testLogger)
    }

    @Test("cancelling a send whose message librdkafka holds fails it with .cancelled at once; the message stays queued")
    func cancelledAfterProduce() async throws {
        let producer = try producerWithoutBroker()
        try await whileRunning([producer]) {
            let send = Task { try await producer.send(topic: "t", key: nil, value: [1]) }
            try await eventually("the message to be in librdkafka") {
                producer.pending.sends == 1 && producer.pending.queuedMessages >= 1
            }
            send.cancel()
            let error = await #expect(throws: KafkaError.self) { _ = try await send.value }
            #expect(error?.code == .cancelled)
            // The caller is not told it failed: librdkafka still holds the message.
            #expect(error?.description.contains("may still be delivered") == true)
            #expect(producer.pending.sends == 0)
        }
    }

    @Test("a send cancelled before it starts produces nothing: the topic holds only the next message")
    func cancelledBeforeProduce() async throws {
        try await withTansu(topics: ["cancelled": 1]) { broker in
            let producer = try KafkaProducer(
                configuration: .init(bootstrapServers: broker.bootstrapServers), logger: testLogger)
            try await whileRunning([producer]) {
                let send = Task {
                    withUnsafeCurrentTask { $0?.cancel() }
                    return try await producer.send(topic: "cancelled", key: nil, value: bytes("cancelled"))
                }
                let error = await #expect(throws: KafkaError.self) { _ = try await send.value }
                #expect(error?.code == .cancelled)
                #expect(error?.description.contains("before the message was produced") == true)
                #expect(producer.pending.sends == 0)
                let next = try await producer.send(topic: "cancelled", key: nil, value: bytes("next"))
                #expect(next.offset == 0)
            }
        }
    }

    @Test("a send still waiting when run() stops is flushed for the shutdown timeout, then purged and failed retriably")
    func pendingSendFailsAtShutdown() async throws {
        let producer = try producerWithoutBroker(shutdownTimeout: .milliseconds(300))
        let run = Task { try await producer.run() }
        // A failed wait below must not leave the producer polling for the rest of the process.
        defer { run.cancel() }
        let send = Task { try await producer.send(topic: "t", key: nil, value: [1]) }
        // At least one: librdkafka's count also holds the "all brokers are down" errors its
        // main queue has not served yet, which pile up while run() waits to be scheduled.
        try await eventually("the message to be in librdkafka") {
            producer.pending.sends == 1 && producer.pending.queuedMessages >= 1
        }
        let stopping = ContinuousClock.now
        run.cancel()
        let error = await #expect(throws: KafkaError.self) { _ = try await send.value }
        try await run.value
        let elapsed = ContinuousClock.now - stopping
        #expect(error?.code == .shutDown)
        #expect(error?.isRetriable == true)
        // It never left this process (no broker), and it was purged: it can never arrive later,
        // so a retry cannot duplicate it.
        #expect(error?.description.contains("was not delivered") == true)
        #expect(producer.pending.sends == 0)
        // Flushed first (not failed at once), and for the 0.3 s shutdown timeout, not the 120 s
        // delivery timeout; the upper bound is loose, it only tells the two apart.
        #expect(elapsed >= .milliseconds(250))
        #expect(elapsed < .seconds(60))
    }

    @Test("graceful shutdown of a ServiceGroup delivers what was already fetched, then the final revoke, then ends the events")
    func consumerGracefulShutdown() async throws {
        try await withTansu(topics: ["stop": 2]) { broker in
            let producer = try KafkaProducer(
                configuration: .init(bootstrapServers: broker.bootstrapServers), logger: testLogger)
            try await whileRunning([producer]) {
                for index in 0..<6 {
                    _ = try await producer.send(topic: "stop", key: bytes("k\(index)"), value: bytes("\(index)"))
                }
            }
            let consumer = try KafkaConsumer(
                configuration: .init(bootstrapServers: broker.bootstrapServers, groupID: "stop", topics: ["stop"]),
                offsetSource: KafkaOffsetsFromBeginning(), logger: testLogger)
            let group = ServiceGroup(
                configuration: .init(services: [.init(service: consumer)], logger: testLogger))
            async let running: Void = group.run()
            var iterator = consumer.events.makeAsyncIterator()
            let first = await iterator.next()
            // Nothing read yet: all six wait in the consumer's buffer when the shutdown comes.
            try await eventually("the six messages to be fetched") { consumer.bufferedEventCount == 6 }
            await group.triggerGracefulShutdown()
            var rest: [KafkaConsumerEvent] = []
            while let event = await iterator.next() { rest.append(event) }
            try await running

            #expect(first == .assigned([0, 1], topic: "stop"))
            let messages = rest.compactMap { if case .message(let message) = $0 { message } else { nil } }
            #expect(messages.map { text($0.value) }.sorted() == ["0", "1", "2", "3", "4", "5"])
            #expect(rest.last == .revoked([0, 1], topic: "stop"))
            #expect(rest.count == 7)
        }
    }
}
