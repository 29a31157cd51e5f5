import BroadcastModel
import BroadcasterConfig
import ChainRPC
import DevChainSupport
import EVMPrimitives
import Foundation
import Lifecycle
import SQLiteStore
import StatusStore
import Testing

extension OnChain {
    /// Issue 7, rule 3 (re-send): a transaction the node lost goes out again with the same
    /// bytes, and one whose answer was lost is never sent as a second transaction.
    @Suite("Re-sending what the node lost")
    struct ResendTests {
        /// The node evicts the pooled version: the worker's next look-up
        /// (`eth_getTransactionByHash` after `tracking.poolCheckAfter`) finds nothing, and the
        /// same bytes go out again. While the node holds it, look-ups send nothing.
        @Test func aVersionEvictedFromThePoolIsSentAgainWithTheSameBytesAndConfirmed() async throws {
            try await withGround(blockTime: 3600) { ground in
                let configuration = try ground.configuration { $0.tracking.poolCheckAfter = .milliseconds(500) }
                let request = Fixtures.request(weight: 4)
                let confirmed = try await whileWorkerRuns(configuration) {
                    try await withChainFacts(ground.chain) { chain throws in
                        try await ground.produce(request)
                        let hash = try await ground.request(request.id) { $0.status == .submitted }.lifecycle.original.hash
                        // Several look-ups while the node holds it: no second send.
                        try await Task.sleep(for: .seconds(2))
                        #expect(try await ground.store.attempts(of: request.id).count == 1)

                        // Evicted while pooled; not read back as gone: the worker's look-up every
                        // 500 ms may send it again before this test's next call (CI saw it).
                        #expect(try await ground.chain.evict(hash))
                        _ = try await eventually("the evicted version back in the node's pool") {
                            try await chain.rpc.transaction(hash)
                        }
                        // The node holds it before the worker has stored the send's answer.
                        let attempts = try await eventually("the second send stored") {
                            let attempts = try await ground.store.attempts(of: request.id)
                            return attempts.count >= 2 ? attempts : nil
                        }
                        #expect(attempts.count == 2)
                        #expect(attempts.allSatisfy { $0.version == 1 && $0.hash == hash && $0.outcome == .accepted })

                        try await ground.chain.mine(blocks: 2)
                        let confirmed = try await ground.request(request.id) { $0.status.isFinal }
                        #expect(try await chain.mined(carrying: request.data).map(\.hash) == [hash])
                        return confirmed
                    }
                }
                #expect(confirmed.status == .confirmed)
                #expect(confirmed.lifecycle.versions.count == 1)
                #expect(confirmed.lifecycle.currentHash == confirmed.lifecycle.original.hash)
            }
        }

        /// The node restarts without its pool (and cuts every call for a second): each of the
        /// sender's three pooled nonces is found missing and sent again, none waits behind
        /// another, and all three are mined with their first bytes.
        @Test func aNodeRestartThatForgetsItsPoolIsRecoveredAndNoLaterNonceIsStuck() async throws {
            try await withGround(blockTime: 3600) { ground in
                let configuration = try ground.configuration { $0.tracking.poolCheckAfter = .milliseconds(500) }
                let requests = (0..<3).map { Fixtures.request(weight: 20 + UInt64($0)) }
                let stored = try await whileWorkerRuns(configuration) {
                    try await withChainFacts(ground.chain) { chain throws in
                        try await ground.produce(requests)
                        let submitted = try await requests.asyncMap { request in
                            try await ground.request(request.id) { $0.status == .submitted }
                        }
                        #expect(submitted.map(\.lifecycle.nonce.value) == [0, 1, 2])
                        #expect(try await ground.chain.restart(downtime: .seconds(1)) == 3, "the node forgot all three")
                        _ = try await eventually("the three back in the node's pool", timeout: .seconds(40)) {
                            // The node cuts every call during its downtime.
                            (try? await chain.rpc.transactionCount(of: Fixtures.sender, at: .pending)) == Nonce(3) ? true : nil
                        }
                        try await ground.chain.mine(blocks: 2)
                        return try await storedRequests(requests.map(\.id), in: ground.store) { $0.status.isFinal }
                    }
                }
                #expect(stored.map(\.status) == [.confirmed, .confirmed, .confirmed])
                #expect(stored.map(\.lifecycle.nonce.value) == [0, 1, 2])
                try await withChainFacts(ground.chain) { chain throws in
                    let mined = try await chain.mined(from: Fixtures.sender)
                    #expect(mined.map(\.hash) == stored.map(\.lifecycle.original.hash))
                    #expect(mined.map(\.input) == requests.map(\.data))
                    for request in stored {
                        let attempts = try await ground.store.attempts(of: request.id)
                        #expect(attempts.count >= 2, "sent again after the restart")
                        #expect(Set(attempts.map(\.hash)) == [request.lifecycle.original.hash])
                    }
                }
            }
        }

        /// Every answer to `eth_sendRawTransaction` is lost, though each send reaches the node
        /// (the proxy forwards, then hangs up): the request shows `unknown` and sends the same
        /// bytes again, and the chain, not an answer, tells it is mined. One transaction, one
        /// effect.
        @Test func aSendWhoseAnswerWasLostIsConfirmedExactlyOnce() async throws {
            let losingAnswers = FlakyProxy.Options(
                seed: 3, timeScale: 10, pSilent: 1, pError: 0, silentForwardFraction: 1, faultMethods: ["eth_sendRawTransaction"])
            try await withGround(blockTime: 3600) { ground in
                try await withFlakyProxy(upstream: ground.chain.url, options: losingAnswers) { proxy in
                    // Answers are held 4.5 s: the worker gives up on each after 1 s.
                    let configuration = try ground.configuration(rpcURL: proxy.url, callTimeout: .seconds(1))
                    let request = Fixtures.request(weight: 5)
                    let (stored, events) = try await whileWorkerRuns(configuration) {
                        try await watchingResults(ground.broker, for: request.id) {
                            try await withChainFacts(ground.chain) { chain in
                                try await ground.produce(request)
                                let unknown = try await ground.request(request.id) { $0.status == .unknown }
                                // It reached the node all the same, and goes out again, same bytes.
                                let pooled = try #require(try await chain.rpc.transaction(unknown.lifecycle.original.hash))
                                #expect(pooled.blockNumber == nil)
                                _ = try await ground.request(request.id) { $0.lifecycle.sends >= 2 }
                                try await ground.chain.mine()
                                _ = try await ground.request(request.id) { $0.status == .mined }
                                try await ground.chain.mine()
                                return try await ground.request(request.id) { $0.status.isFinal }
                            }
                        }
                    }
                    #expect(stored.status == .confirmed)
                    let statuses = events.map(\.status)
                    #expect(statuses.first == .signed && statuses.last == .confirmed)
                    #expect(statuses == [.signed, .unknown, .mined, .confirmed], "no node answer ever arrived: \(statuses)")
                    #expect(stored.lifecycle.versions.count == 1)
                    let attempts = try await ground.store.attempts(of: request.id)
                    #expect(attempts.allSatisfy { $0.outcome == .unknown && $0.hash == stored.lifecycle.original.hash })
                    try await withChainFacts(ground.chain) { chain throws in
                        #expect(try await chain.mined(carrying: request.data).map(\.hash) == [stored.lifecycle.original.hash])
                        #expect(try await chain.minedCount(of: Fixtures.sender) == Nonce(1))
                    }
                }
            }
        }
    }
}

extension Array {
    /// `transform` of each element, one after the other.
    fileprivate func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var results: [T] = []
        for element in self { results.append(try await transform(element)) }
        return results
    }
}
