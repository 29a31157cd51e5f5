import Foundation

/// The local Python chain (`devchain/node.py`) on a free loopback port: a geth-like pool
/// (geth's limits and evictions) on py-evm, with `dev_` commands to reorganise, restart,
/// evict and pin the base fee (DevChain+Commands.swift).
///
/// ```swift
/// try await withDevChain { chain in
///     // JSON-RPC at chain.url
/// }
/// let chaos = DevChain.Options(
///     pool: .init(accountQueue: 8, lifetime: .seconds(30)),
///     chaos: .init(seed: 7, evictProbability: 0.01, reorgEvery: 20, reorgDepth: 3))
/// try await withDevChain(blockTime: 1, options: chaos) { chain in … }
/// ```
public struct DevChain: Sendable {
    /// The chain id the node uses when none is given.
    public static let defaultChainID: UInt64 = 131_277_322_940_537

    /// The node's JSON-RPC URL.
    public var url: String { process.url }
    private let process: DevProcess

    /// Starts a node; `blockTime` 0 mines as soon as transactions arrive.
    public static func start(
        chainID: UInt64? = nil, blockTime: Double = 0, options: Options = .init()
    ) async throws -> DevChain {
        let root = try RepositoryRoot.locate()
        var arguments = ["--host", "127.0.0.1", "--port", "0", "--block-time", String(blockTime)]
        if let chainID { arguments += ["--chain-id", String(chainID)] }
        arguments += options.arguments
        let process = try await DevProcess.launch(
            name: "devchain-node",
            executable: try RepositoryRoot.python(),
            arguments: PythonLauncher.arguments(
                script: [root.appendingPathComponent("devchain/node.py").path], arguments))
        return DevChain(process: process)
    }

    /// Stops the node.
    public func stop() async { await process.stop() }
}

/// Runs `body` against a fresh local chain and stops the chain afterwards, also on error.
public func withDevChain<T: Sendable>(
    chainID: UInt64? = nil,
    blockTime: Double = 0,
    options: DevChain.Options = .init(),
    _ body: (DevChain) async throws -> T
) async throws -> T {
    let chain = try await DevChain.start(chainID: chainID, blockTime: blockTime, options: options)
    do {
        let result = try await body(chain)
        await chain.stop()
        return result
    } catch {
        await chain.stop()
        throw error
    }
}
