import ChainRPC
import EVMKeys
import EVMPrimitives
import EVMSigning
import Logging

/// The checks a worker passes before it consumes anything, each failing with a message that
/// names the setting to fix.
public enum StartupChecks {
    /// Loads every configured signer's key; names the signer whose key cannot be loaded or
    /// whose key is not the configured address (the API sends requests as that address, so a
    /// worker signing with another key would send them from an account nobody expects).
    public static func loadSigners(
        _ sources: [String: KeySource], addresses: [String: Address]
    ) throws(WorkerStartupError) -> [Signer] {
        guard !sources.isEmpty else {
            throw WorkerStartupError("no signer is configured (signers.names); a worker needs at least one key to sign with")
        }
        var signers: [Signer] = []
        for (name, source) in sources.sorted(by: { $0.key < $1.key }) {
            let signer: Signer
            do {
                signer = Signer(key: try source.load())
            } catch {
                throw WorkerStartupError("cannot load the key of signer \"\(name)\" from \(source): \(error)")
            }
            if let expected = addresses[name], expected != signer.address {
                throw WorkerStartupError(
                    "the key of signer \"\(name)\" (\(source)) belongs to \(signer.address), but signers.\(name).address is \(expected); point the signer at the right key, or correct its address")
            }
            signers.append(signer)
        }
        return signers
    }

    /// Asks the node for its chain id until it answers (a node may take half a minute to come
    /// up) and requires it to be `expected`: transactions signed for another chain are useless
    /// there, and signing for the wrong one could replay them somewhere else.
    public static func requireChainID(
        _ expected: ChainID, from rpc: ChainRPCClient, attempts: Int = 8, delay: Duration = .seconds(5), logger: Logger
    ) async throws(WorkerStartupError) {
        var lastError: ChainRPCError?
        for attempt in 1...max(1, attempts) {
            do {
                let actual = try await rpc.chainID()
                guard actual == expected else {
                    throw WorkerStartupError(
                        "the node at \(rpc.configuration.endpoints.map(\.description).joined(separator: ", ")) serves chain id \(actual.value), but rpc.chainID is \(expected.value); point rpc.endpoints at a node of chain \(expected.value), or correct rpc.chainID")
                }
                return
            } catch let error as WorkerStartupError {
                throw error
            } catch let error as ChainRPCError {
                lastError = error
                guard attempt < attempts, error.action == .retryLater else { break }
                logger.warning(
                    "node not answering eth_chainId yet; retrying",
                    metadata: ["attempt": "\(attempt)", "retry_in": "\(delay)", "error": "\(error)"])
                do { try await Task.sleep(for: delay) } catch { break }
            } catch {
                break
            }
        }
        throw WorkerStartupError(
            "cannot read the chain id from rpc.endpoints (expected rpc.chainID \(expected.value)): \(lastError.map { "\($0)" } ?? "cancelled"); start the node or correct rpc.endpoints")
    }
}
