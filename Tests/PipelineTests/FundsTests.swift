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
    /// Issue 7, rule 4 (funds wait and alert).
    @Suite("Waiting for funds")
    struct FundsTests {
        /// A sender with no balance: its request waits (`retrying`, sent again at the slowest
        /// pace), an operator is alerted, and it is never given up, not even past
        /// `retry.deadline`. Once the account is funded it is confirmed.
        @Test func aSenderWithoutFundsWaitsWithAnAlertAndIsConfirmedOnceFunded() async throws {
            try await withGround(blockTime: 0.5) { ground in
                let logs = LogRecorder()
                var retry = quickRetry
                retry.deadline = .seconds(2)
                // Dev key 0x…0b holds nothing on the local chain.
                let poor = DevKeys.address(11)
                let configuration = try ground.configuration(retry: retry) {
                    try $0.addSigner("poor", devKey: 11, function: "poke(uint256)", in: ground.workspace)
                }
                let request = BroadcastRequest(
                    id: RequestID(), messageType: "poke(uint256)", function: "poke(uint256)",
                    data: Calldata(Array(Keccak256.hash(Array("poke(uint256)".utf8)).prefix(4)) + Fixtures.word(7)),
                    to: Fixtures.storeContract, from: poor, acceptedAt: Date())
                let (stored, events) = try await whileWorkerRuns(configuration, logs: logs) { _ in
                    try await watchingResults(ground.broker, for: request.id) {
                        try await withChainFacts(ground.chain) { chain throws in
                            #expect(try await chain.balance(of: poor) == .zero)
                            try await ground.produce(request)
                            let waiting = try await ground.request(request.id) { $0.lifecycle.waitingForFunds }
                            #expect(waiting.status == .retrying)
                            let alert = try await eventually("the funds alert") {
                                logs.alerts.first { $0.message.contains("cannot pay") }
                            }
                            #expect(alert.message.contains("top the account up"), "\(alert.message)")
                            #expect(alert.metadata["from"] == "\(poor)")

                            // Well past the deadline: still waiting, still the one version.
                            try await Task.sleep(for: .seconds(4))
                            let later = try #require(try await ground.store.request(request.id))
                            #expect(later.status == .retrying)
                            #expect(later.lifecycle.giveUpReason == nil)
                            #expect(later.lifecycle.versions.count == 1, "never cancelled while waiting for funds")
                            #expect(later.lifecycle.sends > waiting.lifecycle.sends, "sent again while waiting")
                            #expect(try await chain.minedCount(of: poor) == Nonce(0))

                            let funding = try await chain.sendTransfer(fromDevKey: 5, to: poor, value: Wei(1_000_000_000_000_000_000))
                            _ = try await chain.receipt(funding)
                            return try await ground.request(request.id, timeout: .seconds(30)) { $0.status.isFinal }
                        }
                    }
                }
                #expect(stored.status == .confirmed)
                let attempts = try await ground.store.attempts(of: request.id)
                #expect(attempts.dropLast().allSatisfy { $0.outcome == .insufficientFunds }, "\(attempts.map(\.outcome))")
                #expect(attempts.last?.outcome == .accepted)
                #expect(events.map(\.status).first == .signed)
                #expect(events.map(\.status).contains(.retrying))
                #expect(events.last?.status == .confirmed)
                try await withChainFacts(ground.chain) { chain throws in
                    let mined = try await chain.mined(from: poor)
                    #expect(mined.map(\.hash) == [stored.lifecycle.original.hash])
                    #expect(mined.first?.input == request.data)
                }
            }
        }
    }
}
