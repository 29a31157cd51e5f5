/// What a group consumer reports, in the order it happened.
public enum KafkaConsumerEvent: Sendable, Hashable {
    /// A message from an assigned partition.
    case message(KafkaMessage)
    /// These partitions of `topic` now belong to this member, starting where the offset
    /// source said. Messages of them follow this event.
    case assigned([Int32], topic: String)
    /// These partitions of `topic` were taken away; messages of them already buffered may
    /// still follow, and another member may be reading them too.
    case revoked([Int32], topic: String)
}

/// The events of a `KafkaConsumer`; ends when the consumer's `run()` has finished.
///
/// Meant for one reader; several readers share the events between them.
public struct KafkaConsumerEvents: AsyncSequence, Sendable {
    public typealias Element = KafkaConsumerEvent
    let buffer: EventBuffer<KafkaConsumerEvent>

    public struct AsyncIterator: AsyncIteratorProtocol {
        let buffer: EventBuffer<KafkaConsumerEvent>
        public mutating func next() async -> KafkaConsumerEvent? { await buffer.next() }
    }

    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(buffer: buffer) }
}

/// The messages of a `KafkaTopicTail`; ends when the tail's `run()` has finished.
public struct KafkaMessages: AsyncSequence, Sendable {
    public typealias Element = KafkaMessage
    let buffer: EventBuffer<KafkaMessage>

    public struct AsyncIterator: AsyncIteratorProtocol {
        let buffer: EventBuffer<KafkaMessage>
        public mutating func next() async -> KafkaMessage? { await buffer.next() }
    }

    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(buffer: buffer) }
}
