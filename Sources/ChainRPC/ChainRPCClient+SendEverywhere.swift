import EVMPrimitives

/// A node's answer to `eth_sendRawTransaction`: the hash it took, and which endpoint said so.
public struct TxHashAnswer: Hashable, Sendable {
    public let hash: TxHash
    public let endpoint: String
}

extension ChainRPCClient {
    /// Sends one signed transaction to every healthy endpoint at once (every endpoint when
    /// none is healthy) and returns each endpoint's answer.
    ///
    /// Safe by construction: the same bytes have the same hash on every node, so the chain
    /// includes them at most once however many nodes receive them, and more nodes holding a
    /// transaction means fewer ways to lose it. Reads go to the healthiest endpoint only
    /// (`call`).
    ///
    /// `onWire` is called each time one endpoint's node starts being handed the transaction
    /// (so up to once per endpoint): from then on it may land whatever the answer says. A
    /// send that never reaches a node (refused, no connection in time) never calls it.
    public func sendRawTransactionEverywhere(
        _ raw: [UInt8], onWire: (@Sendable () -> Void)? = nil
    ) async -> [Result<TxHashAnswer, ChainRPCError>] {
        let method = "eth_sendRawTransaction"
        let body = Self.encodeCall(method: method, params: [.string(Hex.encode(raw))])
        let targets = await health.healthyOrAll()
        return await withTaskGroup(of: Result<TxHashAnswer, ChainRPCError>.self) { group in
            for index in targets {
                let endpoint = configuration.endpoints[index]
                group.addTask {
                    let started = ContinuousClock.now
                    let answer = await attempt(body, to: index, as: TxHash.self, onWire: onWire)
                    // Sends count for the node's metrics and liveness like every other call.
                    observer?.observe(
                        RPCCallObservation(
                            method: method, endpoint: endpoint, duration: ContinuousClock.now - started, failure: answer.failure))
                    switch answer {
                    case .success(let hash):
                        await health.recordSuccess(of: index)
                        return .success(TxHashAnswer(hash: hash, endpoint: endpoint.description))
                    case .failure(let failure):
                        let error = ChainRPCError(endpoint: endpoint, method: method, failure: failure)
                        if error.action == .retryLater {
                            if failure != .transport(.cancelled) { await health.recordFailure(of: index) }
                        } else {
                            await health.recordSuccess(of: index)
                        }
                        return .failure(error)
                    }
                }
            }
            var answers: [Result<TxHashAnswer, ChainRPCError>] = []
            for await answer in group { answers.append(answer) }
            return answers
        }
    }
}
