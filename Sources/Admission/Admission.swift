import ABI
import BroadcastModel
import BroadcasterConfig
import EVMPrimitives

/// Decides whether a request may be signed under this process's configuration. The API asks
/// before it produces a request; the worker asks again of every request it consumes, before
/// the request takes a nonce, because a topic holds whatever anyone with access produced.
///
/// Deny by default: only a configured message type passes, sent to its contract, from one of
/// its signers, with data that starts with the one selector its rule allows, decodes strictly as
/// its arguments, and fits its gas limit before a single instruction runs (a transaction whose
/// intrinsic gas exceeds its limit can never be mined, and would stall every later nonce of
/// its sender).
///
/// ```swift
/// let admission = Admission(configuration: configuration)
/// let call = try admission.admit(messageType: "add_weight(address,uint256)", data: data)  // API
/// try admission.recheck(request)                                                          // worker
/// ```
public struct Admission: Sendable {
    public let configuration: BroadcasterConfiguration

    public init(configuration: BroadcasterConfiguration) {
        self.configuration = configuration
    }

    /// A caller's `message_type` and `data`, admitted, or why not.
    public func admit(messageType text: String, data: Calldata) throws(AdmissionError) -> AdmittedCall {
        let type: MessageTypeSettings?
        do {
            type = try configuration.messageType(for: text)
        } catch {
            throw AdmissionError(.invalidMessageType, "message_type \"\(text)\" is not a function signature: \(error)")
        }
        guard let type else {
            let known = configuration.messageTypes.map { "\"\($0.signature.canonical)\"" }.joined(separator: ", ")
            throw AdmissionError(.unknownMessageType, "message_type \"\(text)\" is not configured; configured: \(known.isEmpty ? "none" : known)")
        }
        let senders: SenderPool
        switch configuration.senders(of: type) {
        case .success(let pool): senders = pool
        case .failure(let missing): throw AdmissionError(.noSender, missing.description)
        }
        let call = try validate(data, as: type)
        return AdmittedCall(type: type, senders: senders, call: call)
    }

    /// Checks a request read from a topic against this configuration; returns its message type.
    @discardableResult
    public func recheck(_ request: BroadcastRequest) throws(AdmissionError) -> MessageTypeSettings {
        guard let type = configuration.messageType(canonical: request.function) else {
            throw AdmissionError(.unknownMessageType, "function \(request.function) is not a configured message type of this worker")
        }
        let stated: String?
        do {
            stated = try configuration.messageType(for: request.messageType)?.signature.canonical
        } catch {
            throw AdmissionError(.invalidMessageType, "message_type \"\(request.messageType)\" is not a function signature: \(error)")
        }
        guard stated == type.signature.canonical else {
            throw AdmissionError(.inconsistentFunction, "message_type \"\(request.messageType)\" is not function \(request.function)")
        }
        guard request.to == type.contract else {
            throw AdmissionError(.wrongContract, "to is \(request.to), but message type \(type.name) calls \(type.contract) (messageTypes.\(type.name).contract)")
        }
        let senders: SenderPool
        switch configuration.senders(of: type) {
        case .success(let pool): senders = pool
        case .failure(let missing): throw AdmissionError(.noSender, missing.description)
        }
        guard senders.contains(request.from) else {
            let named = zip(type.signers, senders.addresses).map { "\($0) (\($1))" }.joined(separator: ", ")
            throw AdmissionError(.wrongSender, "from is \(request.from), but message type \(type.name) is sent by \(type.signers.count == 1 ? "signer" : "signers") \(named)")
        }
        _ = try validate(request.data, as: type)
        return type
    }

    private func validate(_ data: Calldata, as type: MessageTypeSettings) throws(AdmissionError) -> DecodedCall {
        let call: DecodedCall
        do {
            call = try CalldataValidator(selectorRule: type.selectorRule).validate(calldata: data, against: type.signature)
        } catch {
            let code: AdmissionError.Code = error.code == .selectorMismatch ? .selectorNotAllowed : .invalidCalldata
            throw AdmissionError(code, "data does not decode as \(type.signature.canonical): \(error)")
        }
        let intrinsic = IntrinsicGas.forCall(data: data)
        guard intrinsic <= type.gasLimit else {
            throw AdmissionError(
                .exceedsGasLimit,
                "the call needs at least \(intrinsic) gas before it runs (21000 + calldata, EIP-7623 floor included) but message type \(type.name) has a gas limit of \(type.gasLimit) (messageTypes.\(type.name).gasLimit); send less data or raise the limit")
        }
        return call
    }
}

/// A caller's request that passed ``Admission``: what it calls, who may send it, with which
/// arguments. Its sender is `senders.sender(for: id)` once it has an id.
public struct AdmittedCall: Hashable, Sendable {
    public let type: MessageTypeSettings
    public let senders: SenderPool
    public let call: DecodedCall
}
