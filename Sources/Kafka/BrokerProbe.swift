import CRdKafka
import Logging
import Synchronization

/// Asks the broker, for readiness checks, whether it answers and holds a topic: one metadata
/// request for that topic, bounded by a short timeout, on a client of its own (so a probe never
/// waits behind the producer's queue), run on a thread of its own so Swift's cooperative pool
/// never blocks. Callers arriving while a probe runs share its answer, and an answer is reused
/// for `maxAge`, so a flood of `/readyz` costs the broker one request per `maxAge`.
///
/// ```swift
/// let probe = try BrokerProbe(bootstrapServers: "127.0.0.1:9092", topic: "broadcaster.requests", logger: logger)
/// switch await probe.check(timeout: .milliseconds(1500)) { case .ready: … }
/// ```
public final class BrokerProbe: Sendable {
    /// What the broker said.
    public enum Answer: Hashable, Sendable {
        /// It answered, and the topic has this many partitions.
        case ready(partitions: Int)
        /// It answered, but the topic is missing or unusable (the reason says which).
        case topicUnavailable(String)
        /// No answer within the timeout, or an error (the reason says which).
        case unreachable(String)
    }

    public let topic: String
    private let maxAge: Duration
    private let client: RDKafkaClient
    private let topicHandle: TopicHandle
    private let state = Mutex(ProbeState.idle(last: nil))

    public init(
        bootstrapServers: String, topic: String, maxAge: Duration = .seconds(1), logger: Logger
    ) throws(KafkaError) {
        try LibRdKafka.requireVersion(atLeast: LibRdKafka.requiredVersion)
        // The producer already logs what goes wrong with the broker; the probe adds nothing but
        // its answer. It never creates the topic it asks about.
        var quiet = logger
        quiet.logLevel = .critical
        client = try RDKafkaClient(
            .producer,
            properties: [
                "bootstrap.servers": bootstrapServers, "client.id": "broadcaster-readiness",
                "allow.auto.create.topics": "false",
                // A broker back from a restart is seen within a second, not after librdkafka's
                // default reconnect backoff of up to 10 s.
                "reconnect.backoff.max.ms": "1000",
            ],
            handler: ProbeEvents(logger: quiet))
        guard let handle = rd_kafka_topic_new(client.handle, topic, nil) else {
            throw KafkaError(.invalidConfiguration, "cannot make a handle for topic \(topic) to probe the broker")
        }
        self.topic = topic
        self.maxAge = maxAge
        self.topicHandle = TopicHandle(handle)
    }

    deinit {
        // Before the client (a stored property, released after this) destroys its rd_kafka_t.
        rd_kafka_topic_destroy(topicHandle.pointer)
    }

    /// The broker's answer about `topic`, waiting at most about `timeout` for it.
    public func check(timeout: Duration) async -> Answer {
        let now = ContinuousClock.now
        let step = state.withLock { state -> ProbeStep in
            switch state {
            case .idle(let last?) where now - last.at < maxAge: return .answered(last.answer)
            case .idle: state = .probing(waiters: []); return .probe
            case .probing: return .wait
            }
        }
        switch step {
        case .answered(let answer):
            return answer
        case .wait:
            return await withCheckedContinuation { continuation in
                let finished: Answer? = state.withLock { state in
                    switch state {
                    case .idle(let last): return last?.answer ?? .unreachable("the probe ended without an answer")
                    case .probing(var waiters):
                        waiters.append(continuation)
                        state = .probing(waiters: waiters)
                        return nil
                    }
                }
                if let finished { continuation.resume(returning: finished) }
            }
        case .probe:
            let client = client, topicHandle = topicHandle, topic = topic
            let answer = await BlockingThread.run(name: "kafka-readiness") {
                Self.ask(client, topic: topic, handle: topicHandle, timeoutMS: timeout.clampedMilliseconds)
            }
            let waiters = state.withLock { state -> [CheckedContinuation<Answer, Never>] in
                defer { state = .idle(last: (answer, ContinuousClock.now)) }
                if case .probing(let waiters) = state { return waiters }
                return []
            }
            for waiter in waiters { waiter.resume(returning: answer) }
            return answer
        }
    }

    /// One metadata request for `topic`; blocks up to `timeoutMS`.
    private static func ask(_ client: RDKafkaClient, topic: String, handle: TopicHandle, timeoutMS: Int32) -> Answer {
        var metadata: UnsafePointer<rd_kafka_metadata>?
        let result = rd_kafka_metadata(client.handle, 0, handle.pointer, &metadata, timeoutMS)
        defer {
            if let metadata { rd_kafka_metadata_destroy(metadata) }
            // Serve (and drop) the error events queued while the broker was away.
            client.poll(timeoutMS: 0)
        }
        guard result == RD_KAFKA_RESP_ERR_NO_ERROR, let metadata else {
            return .unreachable("no metadata from the broker within \(timeoutMS) ms: \(String(cString: rd_kafka_err2str(result)))")
        }
        let count = Int(metadata.pointee.topic_cnt)
        guard count > 0, let topics = metadata.pointee.topics else {
            return .topicUnavailable("the broker does not list topic \(topic)")
        }
        for index in 0..<count {
            let entry = topics[index]
            guard let name = entry.topic, String(cString: name) == topic else { continue }
            guard entry.err == RD_KAFKA_RESP_ERR_NO_ERROR else {
                return .topicUnavailable("topic \(topic): \(String(cString: rd_kafka_err2str(entry.err)))")
            }
            guard entry.partition_cnt > 0 else { return .topicUnavailable("topic \(topic) has no partitions") }
            return .ready(partitions: Int(entry.partition_cnt))
        }
        return .topicUnavailable("the broker does not list topic \(topic)")
    }
}

/// A probe runs, or the last answer and when it came.
private enum ProbeState {
    case idle(last: (answer: BrokerProbe.Answer, at: ContinuousClock.Instant)?)
    case probing(waiters: [CheckedContinuation<BrokerProbe.Answer, Never>])
}

private enum ProbeStep {
    case answered(BrokerProbe.Answer)
    case wait
    case probe
}

/// librdkafka's topic handle; used only for metadata requests, which are thread-safe.
private struct TopicHandle: @unchecked Sendable {
    let pointer: OpaquePointer
    init(_ pointer: OpaquePointer) { self.pointer = pointer }
}

