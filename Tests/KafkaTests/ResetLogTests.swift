import KafkaTestSupport
import Logging
import Synchronization
import Testing

@testable import Kafka

/// An offset source that behaves like the workers' store: it remembers the next offset after
/// each message read, and records when the consumer says the log moved.
final class RecordingOffsets: KafkaOffsetSource {
    struct Move: Equatable {
        var partition: Int32
        var stored: Int64
        var start: KafkaPartitionStart
    }

    private let next = Mutex<[Int32: Int64]>([:])
    private let moves = Mutex<[Move]>([])

    init(_ initial: [Int32: Int64] = [:]) { next.withLock { $0 = initial } }

    func read(_ message: KafkaMessage) { next.withLock { $0[message.partition] = message.offset + 1 } }
    var recordedMoves: [Move] { moves.withLock { $0 } }

    func startingOffsets(topic: String, partitions: [Int32]) throws -> [Int32: Int64] {
        next.withLock { $0.filter { partitions.contains($0.key) } }
    }

    func positionMoved(topic: String, partition: Int32, stored: Int64, start: KafkaPartitionStart) {
        moves.withLock { $0.append(Move(partition: partition, stored: stored, start: start)) }
    }
}

/// Message values a reading task saw, for assertions from the test.
final class SeenValues: Sendable {
    private let values = Mutex<[String]>([])
    func append(_ value: String) { values.withLock { $0.append(value) } }
    func contains(_ value: String) -> Bool { values.withLock { $0.contains(value) } }
}

/// Sends until the broker acknowledges; a restarted Tansu refuses for a while (unknown topic,
/// a forgotten producer id) and the producer heals by itself.
func sendAfterRestart(_ producer: KafkaProducer, topic: String, value: String) async throws -> KafkaDeliveryReport {
    let deadline = ContinuousClock.now + .seconds(60)
    while true {
        let outcome: Result<KafkaDeliveryReport, KafkaError>
        do {
            outcome = .success(try await producer.send(topic: topic, key: nil, value: bytes(value)))
        } catch {
            outcome = .failure(error)
        }
        switch outcome {
        case .success(let report):
            return report
        case .failure(let error):
            guard error.isRetriable, ContinuousClock.now < deadline else { throw error }
            try await Task.sleep(for: .milliseconds(200))
        }
    }
}

@Suite("A broker that comes back with its logs reset", .serialized)
struct ResetLogTests {
    @Test("a consumer living through a broker restart starts again from the new log's beginning, and says so")
    func consumerThroughRestart() async throws {
        try await withTansu(topics: ["reset": 1]) { broker in
            let producer = try KafkaProducer(
                configuration: .init(bootstrapServers: broker.bootstrapServers, deliveryTimeout: .seconds(3)),
                logger: testLogger)
            let offsets = RecordingOffsets()
            let consumer = try KafkaConsumer(
                configuration: .init(bootstrapServers: broker.bootstrapServers, groupID: "reset", topics: ["reset"]),
                offsetSource: offsets, logger: testLogger)
            let log = EventLog()
            try await whileRunning([producer, consumer]) {
                try await withThrowingTaskGroup(of: Void.self) { reader in
                    reader.addTask {
                        for await event in consumer.events {
                            if case .message(let message) = event { offsets.read(message) }
                            log.append(event)
                        }
                    }
                    for index in 0..<8 { _ = try await producer.send(topic: "reset", key: nil, value: bytes("before-\(index)")) }
                    try await eventually("the 8 messages before the restart") { log.messages.count == 8 }

                    try await broker.restart()
                    // Fewer than before: without the check, the consumer would wait at offset 8.
                    for index in 0..<3 { _ = try await sendAfterRestart(producer, topic: "reset", value: "after-\(index)") }
                    try await eventually("the 3 messages after the restart", timeout: .seconds(90)) {
                        log.messages.filter { text($0.value).hasPrefix("after-") }.count == 3
                    }
                    reader.cancelAll()
                }
            }
            let after = log.messages.filter { text($0.value).hasPrefix("after-") }
            #expect(after.map(\.offset) == [0, 1, 2])
            #expect(after.map { text($0.value) } == ["after-0", "after-1", "after-2"])
            // Once per assignment that found the old offset; another rebalance before the first
            // new message is read finds it again.
            #expect(consumer.positionAlarms.logResets >= 1)
            #expect(consumer.positionAlarms.logResets == offsets.recordedMoves.count)
            #expect(consumer.positionAlarms.retentionLosses == 0)
            #expect(offsets.recordedMoves.allSatisfy { $0 == .init(partition: 0, stored: 8, start: .init(offset: 0, verdict: .logReset)) })
        }
    }

    @Test("a stored offset inside Tansu's last batch is not taken for a reset (its ListOffsets end lags a batch)")
    func noFalseResetInsideLastBatch() async throws {
        try await withTansu(topics: ["batched": 1]) { broker in
            let producer = try KafkaProducer(
                configuration: .init(bootstrapServers: broker.bootstrapServers, properties: ["linger.ms": "50"]),
                logger: testLogger)
            try await whileRunning([producer]) {
                // Concurrent sends within linger.ms go out as one record batch.
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for index in 0..<10 {
                        group.addTask { _ = try await producer.send(topic: "batched", key: nil, value: bytes("\(index)")) }
                    }
                    try await group.waitForAll()
                }
            }
            // The premise: Tansu says the log ends before offset 8 although it holds 0..<10.
            let admin = try RDKafkaClient(
                .producer, properties: ["bootstrap.servers": broker.bootstrapServers], handler: ProbeEvents(logger: testLogger))
            let listed = try admin.borrowed.queryWatermarks(
                of: TopicPartition(topic: "batched", partition: 0), timeoutMS: 5000)
            try #require(listed.high < 8, "Tansu reported the real end (\(listed)); this test needs its lagging one")

            let offsets = RecordingOffsets([0: 8])
            let consumer = try KafkaConsumer(
                configuration: .init(bootstrapServers: broker.bootstrapServers, groupID: "batched", topics: ["batched"]),
                offsetSource: offsets, logger: testLogger)
            let log = EventLog()
            try await whileRunning([consumer]) {
                var iterator = consumer.events.makeAsyncIterator()
                while log.messages.count < 2, let event = await iterator.next() { log.append(event) }
            }
            #expect(log.messages.map(\.offset) == [8, 9])
            #expect(consumer.positionAlarms == KafkaPositionAlarms())
            #expect(offsets.recordedMoves.isEmpty)
        }
    }

    @Test("a stored offset beyond the end of a log that was never reset elsewhere is a reset too")
    func storedBeyondEnd() async throws {
        try await withTansu(topics: ["short": 2]) { broker in
            let producer = try KafkaProducer(
                configuration: .init(bootstrapServers: broker.bootstrapServers), logger: testLogger)
            let offsets = RecordingOffsets([0: 500, 1: 500])
            let consumer = try KafkaConsumer(
                configuration: .init(bootstrapServers: broker.bootstrapServers, groupID: "short", topics: ["short"]),
                offsetSource: offsets, logger: testLogger)
            try await whileRunning([producer]) {
                for index in 0..<6 { _ = try await producer.send(topic: "short", key: bytes("k\(index)"), value: bytes("\(index)")) }
            }
            let log = EventLog()
            try await whileRunning([consumer]) {
                var iterator = consumer.events.makeAsyncIterator()
                while log.messages.count < 6, let event = await iterator.next() { log.append(event) }
            }
            #expect(log.messages.map { text($0.value) }.sorted() == ["0", "1", "2", "3", "4", "5"])
            #expect(consumer.positionAlarms == KafkaPositionAlarms(logResets: 2))
            #expect(Set(offsets.recordedMoves.map(\.partition)) == [0, 1])
            #expect(offsets.recordedMoves.allSatisfy { $0.stored == 500 && $0.start == .init(offset: 0, verdict: .logReset) })
        }
    }

    @Test("the tail reads what is produced after a broker restart (it moves to the start of the new logs)")
    func tailThroughRestart() async throws {
        try await withTansu(topics: ["results": 1]) { broker in
            let producer = try KafkaProducer(
                configuration: .init(bootstrapServers: broker.bootstrapServers, deliveryTimeout: .seconds(3)),
                logger: testLogger)
            let tail = try KafkaTopicTail(bootstrapServers: broker.bootstrapServers, topic: "results", logger: testLogger)
            let seen = SeenValues()
            try await whileRunning([producer, tail]) {
                try await withThrowingTaskGroup(of: Void.self) { reader in
                    reader.addTask {
                        for await message in tail.messages { seen.append(text(message.value)) }
                    }
                    #expect(await tail.waitUntilPositioned())
                    for index in 0..<6 { _ = try await producer.send(topic: "results", key: nil, value: bytes("before-\(index)")) }
                    try await eventually("the tail to read what came before the restart") {
                        seen.contains("before-5")
                    }
                    try await broker.restart()
                    // Two messages, at offsets 0 and 1 of the new log, far before the tail's 6.
                    for index in 0..<2 { _ = try await sendAfterRestart(producer, topic: "results", value: "after-\(index)") }
                    try await eventually("the tail to read what came after the restart", timeout: .seconds(60)) {
                        seen.contains("after-0") && seen.contains("after-1")
                    }
                    reader.cancelAll()
                }
            }
            #expect(tail.positionAlarms.logResets >= 1)
            #expect(tail.positionAlarms.retentionLosses == 0)
        }
    }
}
