import ChainRPC
import DevChainSupport
import EVMPrimitives
import EVMSigning
import Testing

/// How one broadcast ended, and whether its first attempt timed out.
struct BroadcastRecord: Sendable {
    let signed: SignedTransaction
    let attempts: Int
    let firstFailure: RPCFailure?
    let settledBy: RecoveryAction?
}

/// Thirty consecutive nonces from one sender through the flaky proxy, with the simplest
/// correct retry loop: re-send the same bytes on `retryLater`; `alreadySent`, and
/// `nonceTooLow` with our own hash on chain, mean sent.
@Suite("Broadcasting through the flaky node")
struct FlakyBroadcastTests {
    static let transactionCount = 30
    /// Silent calls are held 0.45 s (45 s scaled) before the proxy hangs up; we give up first.
    static let callTimeout = Duration.milliseconds(400)
    static let proxyOptions = FlakyProxy.Options(
        seed: 11, timeScale: 100, pSilent: 0.15, pError: 0.2, silentForwardFraction: 0.6)

    private let signer = Signer(key: TransactionFixtures.senderKey)

    @Test func everyTransactionIsMinedExactlyOnce() async throws {
        try await withDevChain { chain in
            try await withChainRPCClient(endpoints: [chain.url]) { node in
                let signed = try await signBatch(using: node)
                let records = try await withFlakyProxy(upstream: chain.url, options: Self.proxyOptions) { proxy in
                    try await withChainRPCClient(endpoints: [proxy.url], callTimeout: Self.callTimeout) { flaky in
                        var records: [BroadcastRecord] = []
                        // One at a time, so the proxy's seeded faults fall on the same sends every run.
                        for transaction in signed {
                            records.append(try await broadcast(transaction, through: flaky, checkingOn: node))
                        }
                        return records
                    }
                }
                try await expectMinedExactlyOnce(records, on: node)

                let faults = records.filter { $0.firstFailure != nil }
                #expect(faults.count >= 3, "the proxy should have disturbed several sends")
                let landedDespiteTimeout = records.filter {
                    $0.firstFailure == .transport(.timedOut) && $0.settledBy != nil
                }
                #expect(!landedDespiteTimeout.isEmpty, "a timed-out send that still landed should be recognised")
            }
        }
    }

    private func signBatch(using node: ChainRPCClient) async throws -> [SignedTransaction] {
        let chainID = try await node.chainID()
        let firstNonce = try await node.transactionCount(of: signer.address, at: .pending)
        let fees = try await Fees.suggested(by: node)
        return try (0..<UInt64(Self.transactionCount)).map { offset in
            try signer.sign(
                .eip1559(
                    EIP1559Transaction(
                        chainID: chainID, nonce: Nonce(firstNonce.value + offset),
                        maxPriorityFeePerGas: fees.maxPriorityFeePerGas, maxFeePerGas: fees.maxFeePerGas,
                        gas: Gas(21_000), to: TransactionFixtures.recipient, value: Wei(1_000 + offset))))
        }
    }

    /// Sends until the node has the transaction; `settledBy` is the answer that proved it when
    /// that was not a plain success.
    private func broadcast(
        _ signed: SignedTransaction, through flaky: ChainRPCClient, checkingOn node: ChainRPCClient
    ) async throws -> BroadcastRecord {
        var firstFailure: RPCFailure?
        for attempt in 1...25 {
            do throws(ChainRPCError) {
                let hash = try await flaky.sendRawTransaction(signed.raw)
                #expect(hash == signed.hash)
                return BroadcastRecord(signed: signed, attempts: attempt, firstFailure: firstFailure, settledBy: nil)
            } catch {
                if attempt == 1 { firstFailure = error.failure }
                switch error.action {
                case .retryLater:
                    continue
                case .alreadySent:
                    return BroadcastRecord(signed: signed, attempts: attempt, firstFailure: firstFailure, settledBy: .alreadySent)
                case .nonceTooLow:
                    // Sent only if our own hash took the nonce; anything else is a real conflict.
                    let ours = try await node.transaction(signed.hash)
                    try #require(ours?.isMined == true, "nonce \(signed.transaction.nonce) taken by another transaction")
                    return BroadcastRecord(signed: signed, attempts: attempt, firstFailure: firstFailure, settledBy: .nonceTooLow)
                case .nonceTooHigh, .fixFees, .waitForFunds, .giveUp:
                    Issue.record("unexpected failure for nonce \(signed.transaction.nonce): \(error)")
                    throw error
                }
            }
        }
        Issue.record("nonce \(signed.transaction.nonce) was still failing after 25 attempts")
        return BroadcastRecord(signed: signed, attempts: 25, firstFailure: firstFailure, settledBy: nil)
    }

    private func expectMinedExactlyOnce(_ records: [BroadcastRecord], on node: ChainRPCClient) async throws {
        let firstNonce = try #require(records.first).signed.transaction.nonce
        for record in records {
            let receipt = try #require(
                try await waitForReceipt(record.signed.hash, on: node),
                "nonce \(record.signed.transaction.nonce) never mined")
            #expect(receipt.status == .success)
            let mined = try #require(try await node.transaction(record.signed.hash))
            #expect(mined.nonce == record.signed.transaction.nonce)
            #expect(mined.value == record.signed.transaction.value)
        }
        // Exactly once: the sender's nonce advanced by the batch size and no further.
        let finalNonce = try await node.transactionCount(of: signer.address, at: .latest)
        #expect(finalNonce == Nonce(firstNonce.value + UInt64(records.count)))
        #expect(try await node.transactionCount(of: signer.address, at: .pending) == finalNonce)
    }
}
