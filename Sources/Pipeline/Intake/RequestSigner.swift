import BroadcastModel
import EVMPrimitives
import EVMSigning
import StatusStore

/// Turns a request and its assigned nonce into a signed EIP-1559 transaction: the configured
/// chain, fees and gas limit, the request's contract and calldata, value 0, signed by the
/// request's sender.
public struct RequestSigner: Sendable {
    public var chainID: ChainID
    public var maxFeePerGas: Wei
    public var maxPriorityFeePerGas: Wei
    /// Signers by the address they sign for.
    public var signers: [Address: Signer]
    /// Gas limit by canonical function (`add_weight(address,uint256)`).
    public var gasLimits: [String: Gas]

    public init(
        chainID: ChainID, maxFeePerGas: Wei, maxPriorityFeePerGas: Wei,
        signers: [Signer], gasLimits: [String: Gas]
    ) {
        self.chainID = chainID
        self.maxFeePerGas = maxFeePerGas
        self.maxPriorityFeePerGas = maxPriorityFeePerGas
        self.signers = Dictionary(signers.map { ($0.address, $0) }, uniquingKeysWith: { first, _ in first })
        self.gasLimits = gasLimits
    }

    /// Why this worker cannot sign `request`, nil when it can.
    public func problem(with request: BroadcastRequest) -> String? {
        if signers[request.from] == nil {
            return "no key for sender \(request.from) is configured in this worker (signers)"
        }
        if gasLimits[request.function] == nil {
            return "message type \(request.function) is not configured in this worker (messageTypes)"
        }
        return nil
    }

    /// Signs `request` at `nonce`; the request must have passed `problem(with:)`.
    public func sign(_ request: BroadcastRequest, nonce: Nonce) throws -> SignedBytes {
        guard let signer = signers[request.from], let gas = gasLimits[request.function] else {
            throw RequestSigningError(description: problem(with: request) ?? "cannot sign request \(request.id)")
        }
        let transaction = EIP1559Transaction(
            chainID: chainID, nonce: nonce, maxPriorityFeePerGas: maxPriorityFeePerGas,
            maxFeePerGas: maxFeePerGas, gas: gas, to: request.to, value: .zero, data: request.data)
        let signed = try signer.sign(.eip1559(transaction))
        return SignedBytes(raw: signed.raw, hash: signed.hash)
    }
}

/// A request this worker cannot sign.
public struct RequestSigningError: Error, CustomStringConvertible, Sendable {
    public let description: String
}
