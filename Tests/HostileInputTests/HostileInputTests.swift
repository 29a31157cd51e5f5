import Foundation
import Testing

/// The real `broadcaster api` process on a real broker, attacked as a hostile or careless
/// caller would, in one run: every row of the table, a client that vanishes mid-body, idle and
/// slow clients, 200 slow clients at once under a low file limit. Afterwards the process is
/// alive, ready, and has logged no error and answered no 500.
@Suite("Hostile input against the real API", .serialized)
struct HostileInputTests {
    @Test("every hostile request gets its status and error code; slow clients are cut; the API stays up and ready")
    func hostileSuite() async throws {
        #expect(HostileRow.all.count >= 40)
        try await HostileAPI.run { api in
            print("hostile input: \(HostileRow.all.count) rows; the API holds \(api.openFiles) descriptors at rest (ulimit -n \(HostileAPI.fileLimit))")
            try await table(api)
            try await idempotentRepeats(api)
            try await disconnectMidBody(api)
            try await slowClients(api)
            try await twoHundredSlowClients(api)

            let metrics = try #require(await api.get("/metrics"))
            #expect(!metrics.text.contains(#"status="500""#), "the API answered 500: \(metrics.text)")
            #expect(api.errorLines.isEmpty, "the API logged errors: \(api.errorLines.joined(separator: "\n"))")
            #expect(api.isRunning, "the API died: \(api.tail)")
            #expect(await api.get("/healthz")?.status == 200)
            #expect(await api.get("/readyz")?.status == 200)
        }
    }

    func table(_ api: HostileAPI) async throws {
        for row in HostileRow.all {
            guard let response = await RawConnection.exchange(port: api.port, row.request, halfClose: row.halfClose) else {
                try #require(api.isRunning, "\(row.name) stopped the API: \(api.tail)")
                Issue.record("\(row.name): no answer")
                continue
            }
            #expect(response.status == row.status, "\(row.name): \(response)")
            if let code = row.code {
                #expect(response.errorCode == code, "\(row.name): \(response)")
                #expect((response.json?["error"] as? [String: Any])?["reason"] as? String != nil, "\(row.name): no reason")
            } else {
                #expect(response.json?["status"] as? String == "accepted", "\(row.name): \(response)")
            }
            if let header = row.header {
                #expect(response.header(header.name) == header.value, "\(row.name): \(response.headers)")
            }
            try #require(api.isRunning, "\(row.name) stopped the API: \(api.tail)")
        }
    }

    /// A repeat gets the first answer byte for byte, marked as a replay; another body with the
    /// same key is refused.
    func idempotentRepeats(_ api: HostileAPI) async throws {
        let key = "Idempotency-Key: hostile-\(UUID().uuidString)"
        let first = try #require(await RawConnection.exchange(port: api.port, Request.post(Bodies.mission, headers: [key])))
        #expect(first.status == 200, "\(first)")
        #expect(first.header("Idempotent-Replayed") == nil)
        let spelledOtherwise = #"{"data": "\#(Bodies.missionData)", "message_type": "add_weight(address,uint256)"}"#
        let repeated = try #require(await RawConnection.exchange(port: api.port, Request.post(spelledOtherwise, headers: [key])))
        #expect(repeated.status == 200, "\(repeated)")
        #expect(repeated.body == first.body, "the repeat is not the first answer byte for byte: \(repeated) vs \(first)")
        #expect(repeated.header("Idempotent-Replayed") == "true")
        let other = Bodies.body(data: String(Bodies.missionData.dropLast(2)) + "fb")
        let reused = try #require(await RawConnection.exchange(port: api.port, Request.post(other, headers: [key])))
        #expect(reused.status == 422 && reused.errorCode == "idempotency_key_reused", "\(reused)")
    }

    /// A client that sends half a body and goes away is the client's problem: no 500, no error log.
    func disconnectMidBody(_ api: HostileAPI) async throws {
        for _ in 0..<5 {
            await offPool {
                guard let connection = RawConnection(port: api.port) else { return }
                connection.send(Request.post(String(Bodies.mission.prefix(30)), contentLength: "500"))
            }
        }
        // A chunked body cut inside a chunk, too.
        await offPool {
            guard let connection = RawConnection(port: api.port) else { return }
            connection.send(Request.chunked("40\r\n{\"message_type\""))
        }
        try await Task.sleep(for: .milliseconds(500))
        #expect(api.isRunning)
        #expect(await api.get("/healthz")?.status == 200)
    }

    /// An idle connection is closed quietly; a head or a body trickled byte by byte gets 408
    /// at its deadline, however often bytes come.
    func slowClients(_ api: HostileAPI) async throws {
        let margin = Duration.seconds(30)
        let idle = await offPool { () -> (bytes: [UInt8], closed: Bool) in
            guard let connection = RawConnection(port: api.port) else { return ([], false) }
            return connection.read(until: .now + margin)
        }
        #expect(idle.closed && idle.bytes.isEmpty, "an idle connection was not closed quietly: \(idle.bytes.count) bytes")

        let slowHead = await trickle(api, start: "POST /transaction/broadcast HTTP/1.1\r\nHost: x\r\nX-Slow: ", byte: "a", margin: margin)
        #expect(slowHead?.status == 408 && slowHead?.errorCode == "header_timeout", "\(slowHead.map(String.init(describing:)) ?? "no answer")")

        let bodyStart = "POST /transaction/broadcast HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nX-API-Key: \(HostileAPI.apiKey)\r\nContent-Length: 200\r\n\r\n"
        let slowBody = await trickle(api, start: bodyStart, byte: " ", margin: margin)
        #expect(slowBody?.status == 408 && slowBody?.errorCode == "body_timeout", "\(slowBody.map(String.init(describing:)) ?? "no answer")")
    }

    /// Sends `start`, then `byte` every 200 ms until the server closes; returns its answer.
    private func trickle(_ api: HostileAPI, start: String, byte: String, margin: Duration) async -> RawResponse? {
        await offPool {
            guard let connection = RawConnection(port: api.port) else { return nil }
            connection.send(start)
            let trickler = Thread {
                while connection.send(byte) { Thread.sleep(forTimeInterval: 0.2) }
            }
            trickler.start()
            return connection.readResponse(until: .now + margin)
        }
    }

    /// 200 connections hold on, half with a head never finished and half silent, more than the
    /// low file limit lets the API serve at once: each is closed by its deadline, the half-heads
    /// with 408, and a client arriving meanwhile is answered.
    func twoHundredSlowClients(_ api: HostileAPI) async throws {
        let partial = "POST /transaction/broadcast HTTP/1.1\r\nHost: x\r\nX-Slow: "
        let connections = await offPool { () -> [(RawConnection, Bool)] in
            (0..<200).compactMap { index in
                guard let connection = RawConnection(port: api.port) else { return nil }
                let sendsHalfAHead = index.isMultiple(of: 2)
                if sendsHalfAHead { connection.send(partial) }
                return (connection, sendsHalfAHead)
            }
        }
        #expect(connections.count == 200, "only \(connections.count) of 200 slow clients could connect")
        let started = ContinuousClock.now
        let sampler = DescriptorSampler(api)

        let health = await RawConnection.exchange(port: api.port, Request.get("/healthz"), timeout: .seconds(60))
        #expect(health?.status == 200, "a client arriving during the attack was not answered: \(health.map(String.init(describing:)) ?? "no answer")")

        let outcomes = await offPool { () -> [(halfHead: Bool, closed: Bool, answer: RawResponse?)] in
            let deadline = ContinuousClock.now + .seconds(60)
            return connections.map { connection, halfHead in
                let (bytes, closed) = connection.read(until: deadline)
                return (halfHead, closed, RawResponse(parsing: bytes))
            }
        }
        let open = outcomes.filter { !$0.closed }.count
        #expect(open == 0, "\(open) of 200 slow clients were still connected after 60 s")
        let timedOut = outcomes.filter { $0.halfHead && $0.answer?.status == 408 && $0.answer?.errorCode == "header_timeout" }.count
        #expect(timedOut == 100, "only \(timedOut) of 100 half-heads got 408 header_timeout")
        let quiet = outcomes.filter { !$0.halfHead && $0.answer == nil }.count
        #expect(quiet == 100, "only \(quiet) of 100 silent clients were closed without an answer")
        #expect(api.log.contains("serving at most"), "the API did not say that its file limit caps its connections")
        // Connections never took the descriptors Kafka and the store may need meanwhile.
        let held = sampler.stop()
        #expect(held <= HostileAPI.fileLimit - 32, "the API held \(held) of its \(HostileAPI.fileLimit) descriptors during the attack")
        print("hostile input: 200 slow clients: the API held at most \(held) descriptors; all closed after \(ContinuousClock.now - started), \(timedOut) with 408")

        let after = await RawConnection.exchange(port: api.port, Request.post(Bodies.mission))
        #expect(after?.status == 200, "\(after.map(String.init(describing:)) ?? "no answer")")
    }
}

/// The most descriptors the API held while it ran, sampled every 20 ms on a thread of its own.
final class DescriptorSampler: @unchecked Sendable {
    private let lock = NSLock()
    private var running = true
    private var most = 0

    init(_ api: HostileAPI) {
        Thread { [self] in
            while lock.withLock({ running }) {
                let open = api.openFiles
                lock.withLock { most = max(most, open) }
                Thread.sleep(forTimeInterval: 0.02)
            }
        }.start()
    }

    /// Stops sampling; the most seen.
    func stop() -> Int {
        lock.withLock {
            running = false
            return most
        }
    }
}
