import BigInt
import ChainRPC
import EVMPrimitives
import EVMSigning

/// The dev chain's funded keys and the mission's example request.
enum TransactionFixtures {
    /// Dev key 0x…01, funded on the local chain.
    static let senderKey = try! PrivateKey(hex: "0x" + String(repeating: "0", count: 63) + "1")
    /// Dev key 0x…02's address, an ordinary recipient.
    static let recipient = try! PrivateKey(hex: "0x" + String(repeating: "0", count: 63) + "2").address

    /// The calldata of the mission's example request, as given (selector 0xd7136328, then an
    /// address word and the uint256 250).
    static let missionCalldata = try! Calldata(
        hex: "0xd71363280000000000000000000000005eb715d601c2f27f83cb554b6b36e047822fb70a"
            + "00000000000000000000000000000000000000000000000000000000000000fa")
    /// Where the contract-call-shaped transaction goes (no code there: the call succeeds).
    static let contractAddress = try! Address("0x5eb715d601c2f27f83cb554b6b36e047822fb70a")
}

/// EIP-1559 fees from the node: its suggested tip, and twice the latest base fee on top so
/// the transaction stays includable while the base fee moves.
struct Fees {
    let maxPriorityFeePerGas: Wei
    let maxFeePerGas: Wei

    static func suggested(by client: ChainRPCClient) async throws -> Fees {
        let tip = try await client.maxPriorityFeePerGas()
        let baseFee = try await client.block(.latest)?.baseFeePerGas ?? .zero
        let maxFee = try requireWei(baseFee.value * 2 + tip.value)
        return Fees(maxPriorityFeePerGas: tip, maxFeePerGas: maxFee)
    }
}

struct FeeOverflow: Error {}

private func requireWei(_ value: BigUInt) throws -> Wei {
    guard let wei = Wei(exactly: value) else { throw FeeOverflow() }
    return wei
}

/// Polls the node until `hash` has a receipt, up to `attempts` × 50 ms.
func waitForReceipt(_ hash: TxHash, on client: ChainRPCClient, attempts: Int = 200) async throws -> TransactionReceipt? {
    for _ in 0..<attempts {
        if let receipt = try await client.transactionReceipt(hash) { return receipt }
        try await Task.sleep(for: .milliseconds(50))
    }
    return nil
}
