import BroadcastModel
import ChainRPC
import DevChainSupport
import EVMPrimitives
import Foundation
import Lifecycle
import SQLiteStore
import StatusStore
import Testing

/// Reads the shared status store the processes wrote.
enum StoreView {
    /// Every record in the store.
    static func all(_ store: any StatusStore) async throws -> [StoredRequest] {
        try await store.list(status: nil, limit: 1_000_000, before: nil).records
    }

    /// Polls until every id in `ids` is stored and nothing in the store is unfinished, or
    /// `timeout` passes; returns the records either way.
    static func waitUntilSettled(
        _ store: any StatusStore, ids: some Collection<RequestID>, timeout: Duration
    ) async throws -> [StoredRequest] {
        let deadline = ContinuousClock.now + timeout
        while true {
            let records = try await all(store)
            let stored = Set(records.map(\.id))
            let settled = ids.allSatisfy(stored.contains) && records.allSatisfy { $0.status.isFinal }
            if settled || ContinuousClock.now >= deadline { return records }
            try await Task.sleep(for: .milliseconds(250))
        }
    }
}

/// Checks that the chain holds exactly the stored transactions, each once.
struct ChainCheck {
    let rpc: ChainRPCClient
    let senders: [Sender]

    /// Asserts: every accepted id is stored `confirmed`; every stored record is `confirmed`, mined
    /// from its sender to the dev contract with exactly its calldata; hashes are distinct; each
    /// sender's stored nonces are 0..<n and its `latest` nonce on chain is n. Returns the total
    /// of latest nonces (transactions on chain from the senders).
    func verify(records: [StoredRequest], accepted: [RequestID: PlannedPost]) async throws -> UInt64 {
        let byID = Dictionary(records.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        for (id, post) in accepted {
            let record = try #require(byID[id], "request \(id) got a 200 but is not in the store")
            #expect(record.status == .confirmed, "request \(id) ended \(record.status): \(record.lifecycle.reason ?? "")")
            #expect(record.request.from == post.sender.address)
            #expect(record.request.data == post.sender.calldata(weight: post.weight))
        }
        #expect(Set(records.map(\.lifecycle.currentHash)).count == records.count, "two stored requests share a transaction hash")
        #expect(Set(records.map { $0.request.data }).count == records.count, "one posted calldata is stored twice")

        var onChain: UInt64 = 0
        for sender in senders {
            let mine = records.filter { $0.request.from == sender.address }
            #expect(
                mine.map(\.lifecycle.nonce.value).sorted() == Array(0..<UInt64(mine.count)),
                "sender \(sender.address) has stored nonces \(mine.map(\.lifecycle.nonce.value).sorted()), not 0..<\(mine.count)")
            let latest = try await rpc.transactionCount(of: sender.address, at: .latest)
            #expect(latest.value == UInt64(mine.count), "sender \(sender.address): latest nonce \(latest.value), stored \(mine.count)")
            onChain += latest.value
        }
        for record in records {
            let hash = record.lifecycle.currentHash
            let receipt = try await rpc.transactionReceipt(hash)
            #expect(receipt != nil, "request \(record.id) (\(hash)) has no receipt")
            #expect(receipt?.blockHash == record.lifecycle.inclusion?.blockHash, "request \(record.id): the stored block is not the chain's")
            let transaction = try #require(try await rpc.transaction(hash), "the chain does not know \(hash)")
            #expect(transaction.input == record.request.data, "\(hash) carries other calldata")
            #expect(transaction.from == record.request.from)
            #expect(transaction.to == devContract)
            #expect(transaction.nonce == record.lifecycle.nonce)
        }
        return onChain
    }
}
