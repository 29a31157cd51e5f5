@testable import API
import HTTPTypes
import NIOCore
import Testing

/// The connection guard's decisions as plain values, on an injected clock.
@Suite("Connection limits")
struct ConnectionLimitTests {
    static let limits = ConnectionDeadlines.Limits(idle: .seconds(60), head: .seconds(10), body: .seconds(30))

    func at(_ seconds: Int64) -> NIODeadline { .uptimeNanoseconds(UInt64(1_000 + seconds) * 1_000_000_000) }

    @Test("a connection that sends nothing closes at the idle timeout, quietly")
    func idle() {
        let deadlines = ConnectionDeadlines(limits: Self.limits, openedAt: at(0))
        #expect(deadlines.expired(at: at(59)) == nil)
        #expect(deadlines.expired(at: at(60)) == .idle)
    }

    @Test("a head trickled byte by byte expires 10 s after its first byte, however often bytes come")
    func slowHead() {
        var deadlines = ConnectionDeadlines(limits: Self.limits, openedAt: at(0))
        deadlines.bytesArrived(at: at(5))
        for second in 6..<15 {
            deadlines.bytesArrived(at: at(Int64(second)))
            #expect(deadlines.expired(at: at(Int64(second))) == nil)
        }
        #expect(deadlines.expired(at: at(15)) == .head)
        #expect(deadlines.canAnswer, "nothing is being answered, so a 408 may be written")
    }

    @Test("a body trickled after its head expires 30 s after the head")
    func slowBody() {
        var deadlines = ConnectionDeadlines(limits: Self.limits, openedAt: at(0))
        deadlines.bytesArrived(at: at(1))
        deadlines.headReceived(at: at(2))
        deadlines.bytesArrived(at: at(20))
        #expect(deadlines.expired(at: at(31)) == nil)
        #expect(deadlines.expired(at: at(32)) == .body)
        #expect(deadlines.canAnswer)
    }

    @Test("a complete request being answered never expires; after its answer the idle clock restarts")
    func answering() {
        var deadlines = ConnectionDeadlines(limits: Self.limits, openedAt: at(0))
        deadlines.bytesArrived(at: at(0))
        deadlines.headReceived(at: at(0))
        deadlines.bodyEnded()
        #expect(deadlines.next == nil)
        #expect(deadlines.expired(at: at(600)) == nil, "Prefer: wait answers may take minutes")
        deadlines.answerStarted()
        #expect(!deadlines.canAnswer)
        deadlines.answerEnded(at: at(600))
        #expect(deadlines.expired(at: at(659)) == nil)
        #expect(deadlines.expired(at: at(660)) == .idle)
    }

    @Test("a body still arriving after its early answer (413 before the body) expires, and gets no second answer")
    func drainedBody() {
        var deadlines = ConnectionDeadlines(limits: Self.limits, openedAt: at(0))
        deadlines.bytesArrived(at: at(0))
        deadlines.headReceived(at: at(0))
        deadlines.answerStarted()
        deadlines.answerEnded(at: at(1))
        #expect(deadlines.expired(at: at(30)) == .body)
        #expect(!deadlines.canAnswer)
    }

    @Test("a pipelined head arriving while the previous answer is under way gets no 408")
    func pipelined() {
        var deadlines = ConnectionDeadlines(limits: Self.limits, openedAt: at(0))
        deadlines.bytesArrived(at: at(0))
        deadlines.headReceived(at: at(0))
        deadlines.bodyEnded()
        deadlines.bytesArrived(at: at(1))
        #expect(deadlines.expired(at: at(11)) == .head)
        #expect(!deadlines.canAnswer)
    }

    @Test("the file limit caps the connections, keeping descriptors for Kafka and the store")
    func capacity() {
        #expect(ConnectionCapacity(configured: 1024, fileLimit: nil).effective == 1024)
        #expect(ConnectionCapacity(configured: 1024, fileLimit: 20_000).effective == 1024)
        #expect(ConnectionCapacity(configured: 1024, fileLimit: 20_000).warning == nil)
        let low = ConnectionCapacity(configured: 1024, fileLimit: 256)
        #expect(low.effective == 256 - ConnectionCapacity.reserved)
        #expect(low.warning?.contains("ulimit -n") == true)
        #expect(ConnectionCapacity(configured: 1024, fileLimit: 20).effective == ConnectionCapacity.minimum)
    }

    @Test("routes: a literal segment beats a parameter; unknown paths have no methods")
    func routes() {
        let table = RouteTable.api
        #expect(table.methods(for: "/transaction/broadcast") == [.post])
        #expect(table.methods(for: "/transaction/3f2a6c1e-8d4b-4e5f-9a7b-1c2d3e4f5a6b") == [.get])
        #expect(table.methods(for: "/healthz") == [.get])
        #expect(table.methods(for: "/healthz/") == [.get])
        #expect(table.methods(for: "//transaction/broadcast") == [.post])
        #expect(table.methods(for: "/transaction") == [])
        #expect(table.methods(for: "/transaction/a/b") == [])
        #expect(table.methods(for: "/nope") == [])
    }
}
