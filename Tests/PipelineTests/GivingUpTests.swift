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
    /// Issue 7, rule 4: `failed` only when the request can never land, and never a nonce that
    /// holds the sender's later requests back.
    @Suite("Giving up and nonces taken")
    struct GivingUpTests {
        /// The node refuses the transaction for good ("oversized data", over 128 KiB) after its
        /// nonce N was taken: the request is given up by a cancellation (a zero-value transfer
        /// to the sender itself at N, higher fees), ends `failed` once that is confirmed, its
        /// call is never mined, and the sender's next request (N+1) is confirmed behind it.
        @Test func aTransactionTheNodeRefusesForGoodIsCancelledAndTheNextNonceIsConfirmed() async throws {
            try await withGround(blockTime: 0.5) { ground in
                let configuration = try ground.configuration()
                // 132,000 zero bytes: 1.34 M gas with the EIP-7623 floor, within archive's 2 M.
                let oversized = try Fixtures.bytesRequest("archive(bytes)", payload: [UInt8](repeating: 0, count: 132_000))
                let next = Fixtures.request(weight: 40)
                let (refused, following) = try await whileWorkerRuns(configuration) {
                    try await ground.produce(oversized, next)
                    let refused = try await ground.request(oversized.id, timeout: .seconds(45)) { $0.status.isFinal }
                    let following = try await ground.request(next.id, timeout: .seconds(45)) { $0.status.isFinal }
                    return (refused, following)
                }
                #expect(refused.status == .failed)
                #expect(refused.lifecycle.reason?.contains("cancellation") == true, "\(refused.lifecycle.reason ?? "")")
                #expect(refused.lifecycle.giveUpReason?.contains("oversized data") == true, "\(refused.lifecycle.giveUpReason ?? "")")
                let versions = refused.lifecycle.versions
                #expect(versions.map(\.kind) == [.original, .cancellation])
                let attempts = try await ground.store.attempts(of: oversized.id)
                #expect(attempts.filter { $0.version == 1 }.map(\.outcome) == [.invalid], "refused for good: never sent again")
                #expect(attempts.first?.error?.contains("oversized data") == true)
                #expect(following.status == .confirmed)
                #expect(following.lifecycle.nonce == Nonce(refused.lifecycle.nonce.value + 1))
                try await withChainFacts(ground.chain) { chain throws in
                    try expectCancellation(
                        of: refused, took: try await chain.mined(from: Fixtures.sender), versions: versions)
                    #expect(try await chain.mined(carrying: oversized.data).isEmpty, "its call was never mined")
                    #expect(try await chain.mined(carrying: next.data).map(\.hash) == [following.lifecycle.original.hash])
                }
            }
        }

        /// No send reaches a node until `retry.deadline`: the only endpoint refuses
        /// connections (an outage). The request is given up by a cancellation, signed while the
        /// node is away; once the node is back the cancellation takes the nonce, the request
        /// ends `failed`, its call never mined, and the sender's next request is confirmed.
        @Test func aRequestNoNodeTookByTheDeadlineIsCancelledOnceTheNodeIsBack() async throws {
            let transparent = FlakyProxy.Options(seed: 1, timeScale: 100, pSilent: 0, pError: 0, latencyMin: 0, latencyMax: 0)
            try await withGround(blockTime: 0.5) { ground in
                try await withFlakyProxy(upstream: ground.chain.url, options: transparent) { proxy in
                    var retry = quickRetry
                    retry.deadline = .seconds(3)
                    let configuration = try ground.configuration(rpcURL: proxy.url, retry: retry, callTimeout: .seconds(2))
                    let warmUp = Fixtures.request(weight: 50)
                    let abandoned = Fixtures.request(weight: 51)
                    let later = Fixtures.request(weight: 52)
                    let (given, confirmed) = try await whileWorkerRuns(configuration) {
                        try await withChainFacts(ground.chain) { chain throws in
                            try await ground.produce(warmUp)
                            _ = try await ground.request(warmUp.id) { $0.status == .confirmed }

                            try await proxy.outage(for: .seconds(8))
                            try await ground.produce(abandoned)
                            // Past the deadline with no node reached: a cancellation, signed and
                            // stored while the node is still away.
                            let cancelling = try await ground.request(abandoned.id, timeout: .seconds(20)) {
                                $0.lifecycle.latest.kind == .cancellation
                            }
                            #expect(cancelling.lifecycle.acceptedVersion == 0)
                            #expect(try await chain.rpc.transaction(cancelling.lifecycle.original.hash) == nil, "no send reached the node")
                            let given = try await ground.request(abandoned.id, timeout: .seconds(40)) { $0.status.isFinal }
                            try await ground.produce(later)
                            let confirmed = try await ground.request(later.id, timeout: .seconds(30)) { $0.status.isFinal }
                            return (given, confirmed)
                        }
                    }
                    #expect(given.status == .failed)
                    #expect(given.lifecycle.giveUpReason?.contains("retry.deadline") == true, "\(given.lifecycle.giveUpReason ?? "")")
                    let attempts = try await ground.store.attempts(of: abandoned.id)
                    #expect(attempts.filter { $0.version == 1 }.allSatisfy { [.notSent, .unknown].contains($0.outcome) }, "\(attempts.map(\.outcome))")
                    // Refused connections are `notSent`; a send on a kept-alive connection the
                    // outage cut is `unknown`: which of them a loaded machine sees varies (the
                    // SendClassification table tests each).
                    #expect(!attempts.filter { $0.version == 1 }.isEmpty, "no send of the original was attempted")
                    #expect(confirmed.status == .confirmed)
                    #expect(confirmed.lifecycle.nonce == Nonce(given.lifecycle.nonce.value + 1))
                    try await withChainFacts(ground.chain) { chain throws in
                        try expectCancellation(of: given, took: try await chain.mined(from: Fixtures.sender), versions: given.lifecycle.versions)
                        #expect(try await chain.mined(carrying: abandoned.data).isEmpty, "its call was never mined")
                        #expect(try await chain.minedCount(of: Fixtures.sender) == Nonce(3))
                    }
                }
            }
        }

        /// Giving up is not failing: every answer to a send is lost though the send reached the
        /// node, and the node goes away before `retry.deadline`. The worker, having heard from
        /// no node, gives up and signs a cancellation while the node is away, but the original
        /// it sent is mined in the meantime. Once the node is back the chain, not the give-up,
        /// decides: the request is confirmed with the original's receipt, its call mined once,
        /// the cancellation never.
        @Test func aGivenUpRequestWhoseOriginalIsMinedIsConfirmedNotFailed() async throws {
            let losingSendAnswers = FlakyProxy.Options(
                seed: 4, timeScale: 10, pSilent: 1, pError: 0, silentForwardFraction: 1, faultMethods: ["eth_sendRawTransaction"])
            try await withGround(blockTime: 3600) { ground in
                try await withFlakyProxy(upstream: ground.chain.url, options: losingSendAnswers) { proxy in
                    var retry = quickRetry
                    retry.deadline = .seconds(6)
                    let configuration = try ground.configuration(rpcURL: proxy.url, retry: retry, callTimeout: .seconds(1))
                    let request = Fixtures.request(weight: 53)
                    let (stored, cancellation) = try await whileWorkerRuns(configuration) {
                        try await withChainFacts(ground.chain) { chain throws in
                            try await ground.produce(request)
                            let unknown = try await ground.request(request.id) { $0.status == .unknown }
                            let original = unknown.lifecycle.original.hash
                            _ = try await eventually("the node to hold the original") { try await chain.rpc.transaction(original) }
                            try await proxy.outage(for: .seconds(14))

                            let cancelling = try await ground.request(request.id, timeout: .seconds(30)) {
                                $0.lifecycle.latest.kind == .cancellation
                            }
                            #expect(cancelling.lifecycle.acceptedVersion == 0, "no node answer ever arrived")
                            #expect(cancelling.status != .failed, "given up, but nothing on chain says it cannot land")
                            let cancellation = cancelling.lifecycle.latest.hash
                            #expect(try await chain.rpc.transaction(cancellation) == nil, "the cancellation has not reached the node")
                            // The node mines what it holds: the original.
                            let block = try #require(try await ground.chain.mine().first)
                            #expect(block.transactionCount == 1)
                            #expect(try await chain.receipt(original).blockNumber == block.number)
                            try await ground.chain.mine()
                            let stored = try await ground.request(request.id, timeout: .seconds(60)) { $0.status.isFinal }
                            return (stored, cancellation)
                        }
                    }
                    #expect(stored.status == .confirmed, "\(stored.status): \(stored.lifecycle.reason ?? "")")
                    #expect(stored.lifecycle.inclusion?.hash == stored.lifecycle.original.hash)
                    #expect(stored.lifecycle.versions.map(\.kind) == [.original, .cancellation])
                    try await withChainFacts(ground.chain) { chain throws in
                        #expect(try await chain.mined(carrying: request.data).map(\.hash) == [stored.lifecycle.original.hash])
                        #expect(try await chain.rpc.transactionReceipt(cancellation) == nil)
                        #expect(try await chain.minedCount(of: Fixtures.sender) == Nonce(1))
                    }
                }
            }
        }

        /// Another transaction of the same key (signed by the test, unknown to the worker) takes
        /// nonce N first. The request at N hears "nonce too low" once; receipts settle it: none
        /// of its versions is mined and the sender's count is past N two blocks deep, so it
        /// ends `failed` (taken by another) without being sent again or cancelled, and N+1 is
        /// confirmed.
        @Test func aNonceTakenByAnotherTransactionFailsTheRequestByReceiptsAndTheNextIsConfirmed() async throws {
            try await withGround(blockTime: 0.5) { ground in
                let configuration = try ground.configuration()
                let warmUp = Fixtures.request(weight: 60)
                let preempted = Fixtures.request(weight: 61)
                let next = Fixtures.request(weight: 62)
                let (failed, confirmed, intruder) = try await whileWorkerRuns(configuration) {
                    try await withChainFacts(ground.chain) { chain throws in
                        try await ground.produce(warmUp)
                        _ = try await ground.request(warmUp.id) { $0.status == .confirmed }
                        // Nonce 1, which the store hands out next.
                        let intruder = try await chain.sendTransfer(fromDevKey: 1, to: DevKeys.address(9), value: Wei(1), nonce: Nonce(1))
                        _ = try await chain.receipt(intruder)
                        try await ground.produce(preempted, next)
                        let failed = try await ground.request(preempted.id) { $0.status.isFinal }
                        let confirmed = try await ground.request(next.id) { $0.status.isFinal }
                        return (failed, confirmed, intruder)
                    }
                }
                #expect(failed.status == .failed)
                #expect(failed.lifecycle.nonce == Nonce(1))
                #expect(failed.lifecycle.reason?.contains("taken by another") == true, "\(failed.lifecycle.reason ?? "")")
                #expect(failed.lifecycle.versions.count == 1, "no cancellation: the nonce is used already")
                #expect(try await ground.store.attempts(of: preempted.id).map(\.outcome) == [.nonceTooLow], "never sent again")
                #expect(confirmed.status == .confirmed)
                #expect(confirmed.lifecycle.nonce == Nonce(2))
                try await withChainFacts(ground.chain) { chain throws in
                    let mined = try await chain.mined(from: Fixtures.sender)
                    #expect(mined.map(\.nonce.value) == [0, 1, 2])
                    #expect(mined.map(\.hash) == [
                        try #require(try await ground.store.request(warmUp.id)).lifecycle.currentHash, intruder,
                        confirmed.lifecycle.original.hash,
                    ])
                    #expect(try await chain.mined(carrying: preempted.data).isEmpty)
                }
            }
        }
    }
}

/// The request's nonce is taken on chain by its own cancellation: a zero-value transfer from
/// the sender to itself with no data, signed with higher fees than the original.
private func expectCancellation(of request: StoredRequest, took mined: [RPCTransaction], versions: [TransactionVersion]) throws {
    let atNonce = try #require(mined.first { $0.nonce == request.lifecycle.nonce }, "nothing mined at the request's nonce")
    let cancellation = try #require(versions.last)
    #expect(cancellation.kind == .cancellation)
    #expect(atNonce.hash == cancellation.hash)
    #expect(request.lifecycle.inclusion?.hash == cancellation.hash)
    #expect(atNonce.from == request.request.from && atNonce.to == request.request.from)
    #expect(atNonce.value == .zero && atNonce.input.bytes.isEmpty)
    #expect(cancellation.fees.maxFeePerGas > request.lifecycle.original.fees.maxFeePerGas)
    #expect(cancellation.fees.maxPriorityFeePerGas > request.lifecycle.original.fees.maxPriorityFeePerGas)
}
