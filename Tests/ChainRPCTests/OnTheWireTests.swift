import ChainRPC
import DevChainSupport
import EVMPrimitives
import EVMSigning
import Synchronization
import Testing

/// A send tells when a node is handed it: intake's back-pressure counts a send as out at the
/// node from then on, and as waiting while no node takes it.
@Suite("A send tells when it is on the wire", .serialized)
struct OnTheWireTests {
    final class Tally: Sendable {
        private let count = Mutex(0)
        func add() { count.withLock { $0 += 1 } }
        var value: Int { count.withLock { $0 } }
    }

    @Test func aSendANodeAnswersWasOnTheWireBeforeItsAnswer() async throws {
        try await withDevChain { chain in
            let transactions = try BatchTransportTests.transfers(count: 3)
            try await withChainRPCClient(BatchTransportTests.configuration(chain.url)) { client in
                for transaction in transactions {
                    let tally = Tally()
                    let answers = await client.sendRawTransactionEverywhere(transaction.raw) { tally.add() }
                    #expect(answers.count == 1)
                    #expect((try? answers.first?.get())?.hash == transaction.hash, "\(answers)")
                    #expect(tally.value == 1)
                }
            }
        }
    }

    /// The proxy forwards every send and never answers: each was handed to the node, though
    /// each times out unknown.
    @Test func aSendThatNeverAnswersStillReachedTheNode() async throws {
        try await withDevChain { chain in
            let transactions = try BatchTransportTests.transfers(count: 4)
            try await withFlakyProxy(upstream: chain.url, options: BatchTransportTests.silentSends) { proxy in
                let configuration = try BatchTransportTests.configuration(proxy.url, callTimeout: .seconds(2))
                try await withChainRPCClient(configuration) { client in
                    let tallies = await withTaskGroup(of: (Int, [ChainRPCError]).self) { group in
                        for transaction in transactions {
                            group.addTask {
                                let tally = Tally()
                                let answers = await client.sendRawTransactionEverywhere(transaction.raw) { tally.add() }
                                return (tally.value, answers.compactMap { if case .failure(let error) = $0 { error } else { nil } })
                            }
                        }
                        return await group.reduce(into: []) { $0.append($1) }
                    }
                    #expect(tallies.count == 4)
                    for (reached, failures) in tallies {
                        #expect(reached == 1)
                        #expect(failures.map(\.failure) == [.transport(.timedOut)])
                    }
                }
            }
        }
    }

    /// Nothing listens on the port: the connection is refused, and the send never says it was
    /// on the wire.
    @Test func aRefusedSendNeverReachedANode() async throws {
        let transaction = try #require(try BatchTransportTests.transfers(count: 1).first)
        let configuration = try BatchTransportTests.configuration("http://127.0.0.1:1", callTimeout: .seconds(2))
        try await withChainRPCClient(configuration) { client in
            let tally = Tally()
            let answers = await client.sendRawTransactionEverywhere(transaction.raw) { tally.add() }
            #expect(answers.count == 1)
            guard case .failure(let error)? = answers.first else {
                Issue.record("a refused send answered: \(answers)")
                return
            }
            #expect(error.action == .retryLater, "\(error)")
            #expect(tally.value == 0)
        }
    }
}
