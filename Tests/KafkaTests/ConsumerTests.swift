import KafkaTestSupport
import Testing

@testable import Kafka

@Suite("KafkaConsumer against Tansu")
struct ConsumerTests {
    @Test("two members share 4 partitions: a rebalance on the second joining, every message read once")
    func groupOfTwo() async throws {
        try await withTansu(topics: ["shared": 4]) { broker in
            func member() throws -> KafkaConsumer {
                try KafkaConsumer(
                    configuration: .init(bootstrapServers: broker.bootstrapServers, groupID: "pair", topics: ["shared"]),
                    offsetSource: KafkaOffsetsFromBeginning(), logger: testLogger)
            }
            let first = try member(), second = try member()
            let producer = try KafkaProducer(
                configuration: .init(bootstrapServers: broker.bootstrapServers), logger: testLogger)
            let firstLog = EventLog(), secondLog = EventLog()
            try await whileRunning([producer, first]) {
                try await withThrowingTaskGroup(of: Void.self) { readers in
                    readers.addTask { for await event in first.events { firstLog.append(event) } }
                    try await eventually("the first member to hold all 4 partitions") {
                        firstLog.currentAssignment == [0, 1, 2, 3]
                    }
                    try await whileRunning([second]) {
                        readers.addTask { for await event in second.events { secondLog.append(event) } }
                        try await eventually("the partitions to be split between both members") {
                            let a = firstLog.currentAssignment, b = secondLog.currentAssignment
                            return !a.isEmpty && !b.isEmpty && a.isDisjoint(with: b) && a.union(b) == [0, 1, 2, 3]
                        }
                        for index in 0..<200 {
                            _ = try await producer.send(topic: "shared", key: bytes("k\(index)"), value: bytes("\(index)"))
                        }
                        try await eventually("all 200 messages to arrive") {
                            firstLog.messages.count + secondLog.messages.count >= 200
                        }
                    }
                    readers.cancelAll()
                }
            }
            // The first member saw its partitions taken away, then got a share back.
            let rebalances = firstLog.all.filter { if case .message = $0 { false } else { true } }
            #expect(rebalances.first == .assigned([0, 1, 2, 3], topic: "shared"))
            #expect(rebalances.dropFirst().first == .revoked([0, 1, 2, 3], topic: "shared"))
            #expect(rebalances.count >= 3)

            let firstValues = firstLog.messages.map { text($0.value) }
            let secondValues = secondLog.messages.map { text($0.value) }
            #expect(!firstValues.isEmpty && !secondValues.isEmpty)
            #expect((firstValues + secondValues).sorted() == (0..<200).map(String.init).sorted())
            #expect(Set(firstLog.messages.map(\.partition)).isDisjoint(with: Set(secondLog.messages.map(\.partition))))
        }
    }

    @Test("assigned partitions start where the offset source says, not before")
    func startingOffsetsHonoured() async throws {
        try await withTansu(topics: ["resume": 1]) { broker in
            let producer = try KafkaProducer(
                configuration: .init(bootstrapServers: broker.bootstrapServers), logger: testLogger)
            try await whileRunning([producer]) {
                for index in 0..<10 {
                    _ = try await producer.send(topic: "resume", key: nil, value: bytes("\(index)"))
                }
            }
            let consumer = try KafkaConsumer(
                configuration: .init(bootstrapServers: broker.bootstrapServers, groupID: "resume", topics: ["resume"]),
                offsetSource: FixedOffsets(offsets: ["resume": [0: 6]]), logger: testLogger)
            let log = EventLog()
            try await whileRunning([consumer]) {
                var iterator = consumer.events.makeAsyncIterator()
                while log.messages.count < 4, let event = await iterator.next() { log.append(event) }
            }
            #expect(log.all.first == .assigned([0], topic: "resume"))
            #expect(log.messages.map(\.offset) == [6, 7, 8, 9])
            #expect(log.messages.map { text($0.value) } == ["6", "7", "8", "9"])
        }
    }

    @Test("an offset source that fails stops the consumer rather than guess where to start")
    func failingOffsetSource() async throws {
        struct Unavailable: KafkaOffsetSource {
            struct StoreDown: Error, CustomStringConvertible { var description: String { "store is down" } }
            func startingOffsets(topic: String, partitions: [Int32]) throws -> [Int32: Int64] { throw StoreDown() }
        }
        try await withTansu(topics: ["guarded": 1]) { broker in
            let consumer = try KafkaConsumer(
                configuration: .init(bootstrapServers: broker.bootstrapServers, groupID: "guarded", topics: ["guarded"]),
                offsetSource: Unavailable(), logger: testLogger)
            let error = await #expect(throws: KafkaError.self) { try await consumer.run() }
            #expect(error?.code == .offsetSource)
            #expect(error?.description.contains("store is down") == true)
            var events: [KafkaConsumerEvent] = []
            for await event in consumer.events { events.append(event) }
            #expect(events.isEmpty)
        }
    }

    @Test("a slow reader pauses fetching instead of losing or piling up messages")
    func backpressure() async throws {
        try await withTansu(topics: ["slow": 2]) { broker in
            let producer = try KafkaProducer(
                configuration: .init(bootstrapServers: broker.bootstrapServers), logger: testLogger)
            try await whileRunning([producer]) {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for index in 0..<500 {
                        group.addTask {
                            _ = try await producer.send(topic: "slow", key: bytes("k\(index % 7)"), value: bytes("\(index)"))
                        }
                    }
                    try await group.waitForAll()
                }
            }
            let limit = 100
            let consumer = try KafkaConsumer(
                configuration: .init(
                    bootstrapServers: broker.bootstrapServers, groupID: "slow", topics: ["slow"],
                    maxBufferedMessages: limit),
                offsetSource: KafkaOffsetsFromBeginning(), logger: testLogger)
            let log = EventLog()
            try await whileRunning([consumer]) {
                // Nobody reads: the buffer fills to the limit and stays there.
                try await eventually("the buffer to fill") { consumer.bufferedEventCount >= limit }
                try await Task.sleep(for: .seconds(1))
                let buffered = consumer.bufferedEventCount
                #expect(buffered <= limit + 2, "fetching should pause at \(limit) buffered events, found \(buffered)")
                var iterator = consumer.events.makeAsyncIterator()
                while log.messages.count < 500, let event = await iterator.next() {
                    log.append(event)
                    if log.messages.count % 50 == 0 { try await Task.sleep(for: .milliseconds(20)) }
                }
            }
            let values = log.messages.map { Int(text($0.value))! }
            #expect(values.count == 500)
            #expect(Set(values) == Set(0..<500))
            for partition in Set(log.messages.map(\.partition)) {
                let offsets = log.messages.filter { $0.partition == partition }.map(\.offset)
                #expect(offsets == Array(0..<Int64(offsets.count)))
            }
        }
    }
}
