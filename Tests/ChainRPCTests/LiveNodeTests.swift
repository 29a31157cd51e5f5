import ChainRPC
import DevChainSupport
import EVMPrimitives
import Testing

/// The client against the real local node: every typed method, decoded from real answers.
@Suite("Client against the local node", .serialized)
struct LiveNodeTests {
    static let devAccount = try! Address("0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf")  // key 0x…01

    @Test func readsChainState() async throws {
        try await withDevChain { chain in
            try await withChainRPCClient(endpoints: [chain.url]) { client in
                #expect(try await client.chainID() == ChainID(DevChain.defaultChainID))
                let height = try await client.blockNumber()
                let latest = try #require(try await client.block(.latest))
                #expect(latest.number >= height)
                #expect(latest.baseFeePerGas != nil)
                #expect(try await client.block(.number(BlockNumber(height.value + 1000))) == nil)
                let genesis = try #require(try await client.block(.earliest))
                #expect(genesis.number == BlockNumber(0))

                #expect(try await client.transactionCount(of: Self.devAccount, at: .pending) == Nonce(0))
                #expect(try await client.gasPrice() > .zero)
                _ = try await client.maxPriorityFeePerGas()
                let history = try await client.feeHistory(blockCount: 1, newestBlock: .latest, rewardPercentiles: [50])
                #expect(history.baseFeePerGas.count == 2)
                let gas = try await client.estimateGas(
                    CallRequest(from: Self.devAccount, to: .zero, value: Wei(1)))
                #expect(gas == Gas(21_000))
            }
        }
    }

    @Test func unknownHashesAreNil() async throws {
        try await withDevChain { chain in
            try await withChainRPCClient(endpoints: [chain.url]) { client in
                let unknown = try TxHash("0x" + String(repeating: "11", count: 32))
                #expect(try await client.transaction(unknown) == nil)
                #expect(try await client.transactionReceipt(unknown) == nil)
            }
        }
    }

    @Test func rejectedTransactionsAreClassified() async throws {
        try await withDevChain { chain in
            try await withChainRPCClient(endpoints: [chain.url]) { client in
                let error = await #expect(throws: ChainRPCError.self) {
                    try await client.sendRawTransaction([0x02, 0xc0])
                }
                #expect(error?.action == .giveUp)
                #expect(error?.method == "eth_sendRawTransaction")
                #expect(error?.endpoint.description == chain.url)
            }
        }
    }

    @Test func unknownMethodIsGiveUp() async throws {
        try await withDevChain { chain in
            try await withChainRPCClient(endpoints: [chain.url]) { client in
                let error = await #expect(throws: ChainRPCError.self) {
                    let _: String = try await client.call("eth_noSuchMethod")
                }
                #expect(error?.action == .giveUp)
            }
        }
    }
}
