import Kafka
import KafkaTestSupport
import Logging
import ServiceLifecycle
import Testing

@Suite("Cancellation and shutdown")
struct ShutdownTests {
    @Test("cancelling a waiting send fails it at once with .cancelled")
    func cancelledSend() async throws {
        let producer = try KafkaProducer(
            configuration: .init(
                bootstrapServers: "127.0.0.1:\(try TansuBroker.unusedPort())", deliveryTimeout: .seconds(60),
                shutdownTimeout: .milliseconds(500)),
            logger: testLogger)
        try await whileRunning([producer]) {
            let send = Task { try await producer.send(topic: "t", key: nil, value: [1]) }
            try await Task.sleep(for: .milliseconds(200))
            send.cancel()
            let error = await #expect(throws: KafkaError.self) { _ = try await send.value }
            #expect(error?.code == .cancelled)
        }
    }

    @Test("a send still waiting when run() stops fails instead of waiting forever")
    func pendingSendFailsAtShutdown() async throws {
        let producer = try KafkaProducer(
            configuration: .init(
                bootstrapServers: "127.0.0.1:\(try TansuBroker.unusedPort())", deliveryTimeout: .seconds(30),
                shutdownTimeout: .milliseconds(300)),
            logger: testLogger)
        let run = Task { try await producer.run() }
        let send = Task { try await producer.send(topic: "t", key: nil, value: [1]) }
        try await Task.sleep(for: .milliseconds(200))
        run.cancel()
        let error = await #expect(throws: KafkaError.self) { _ = try await send.value }
        #expect(error?.code == .shutDown)
        #expect(error?.isRetriable == true)
        try await run.value
    }

    @Test("graceful shutdown of a ServiceGroup ends the consumer's events after a final revoke")
    func consumerGracefulShutdown() async throws {
        try await withTansu(topics: ["stop": 2]) { broker in
            let consumer = try KafkaConsumer(
                configuration: .init(bootstrapServers: broker.bootstrapServers, groupID: "stop", topics: ["stop"]),
                offsetSource: KafkaOffsetsFromBeginning(), logger: testLogger)
            let group = ServiceGroup(
                configuration: .init(services: [.init(service: consumer)], logger: testLogger))
            async let running: Void = group.run()
            var events: [KafkaConsumerEvent] = []
            for await event in consumer.events {
                events.append(event)
                if events.count == 1 { await group.triggerGracefulShutdown() }
            }
            try await running
            #expect(events == [.assigned([0, 1], topic: "stop"), .revoked([0, 1], topic: "stop")])
        }
    }
}
