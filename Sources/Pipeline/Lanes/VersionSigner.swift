import BroadcastModel
import EVMPrimitives
import EVMSigning
import Foundation
import Lifecycle

/// Signs the versions of requests: the original call at intake, a replacement (the same call,
/// higher fees) or a cancellation (a zero-value transfer to the sender itself, 21,000 gas) at
/// the same nonce later. EIP-1559 on the configured chain, by the request's sender.
public struct VersionSigner: Sendable {
    public var chainID: ChainID
    /// Signers by the address they sign for.
    public var signers: [Address: Signer]
    /// Gas limit by canonical function (`add_weight(address,uint256)`).
    public var gasLimits: [String: Gas]

    public static let cancellationGas = Gas(21_000)

    public init(chainID: ChainID, signers: [Signer], gasLimits: [String: Gas]) {
        self.chainID = chainID
        self.signers = Dictionary(signers.map { ($0.address, $0) }, uniquingKeysWith: { first, _ in first })
        self.gasLimits = gasLimits
    }

    /// Why this worker cannot sign for `request`, nil when it can.
    public func problem(with request: BroadcastRequest) -> String? {
        if signers[request.from] == nil {
            return "no key for sender \(request.from) is configured in this worker (signers)"
        }
        if gasLimits[request.function] == nil {
            return "message type \(request.function) is not configured in this worker (messageTypes)"
        }
        return nil
    }

    /// Signs version `number` of `request` at `nonce`: its call (`.original`, `.replacement`)
    /// or a cancellation.
    public func sign(
        _ request: BroadcastRequest, nonce: Nonce, number: Int, kind: TransactionVersion.Kind, fees: FeeCaps, at date: Date
    ) throws -> TransactionVersion {
        guard let signer = signers[request.from] else {
            throw VersionSigningError(description: problem(with: request) ?? "no key for \(request.from)")
        }
        let transaction: EIP1559Transaction
        switch kind {
        case .original, .replacement:
            guard let gas = gasLimits[request.function] else {
                throw VersionSigningError(description: problem(with: request) ?? "no gas limit for \(request.function)")
            }
            transaction = EIP1559Transaction(
                chainID: chainID, nonce: nonce, maxPriorityFeePerGas: fees.maxPriorityFeePerGas,
                maxFeePerGas: fees.maxFeePerGas, gas: gas, to: request.to, value: .zero, data: request.data)
        case .cancellation:
            transaction = EIP1559Transaction(
                chainID: chainID, nonce: nonce, maxPriorityFeePerGas: fees.maxPriorityFeePerGas,
                maxFeePerGas: fees.maxFeePerGas, gas: Self.cancellationGas, to: request.from, value: .zero, data: .empty)
        }
        let signed = try signer.sign(.eip1559(transaction))
        return TransactionVersion(number: number, kind: kind, hash: signed.hash, raw: signed.raw, fees: fees, signedAt: date)
    }
}

/// A version this worker cannot sign.
public struct VersionSigningError: Error, CustomStringConvertible, Sendable {
    public let description: String
}
