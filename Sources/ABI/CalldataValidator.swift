import EVMPrimitives

/// Checks that calldata is a well-formed, canonical call of a declared function signature.
///
/// Validation decodes every argument strictly (integer ranges, address and bool words, sign
/// extension, zero padding, in-bounds 32-aligned offsets, lengths that fit, valid UTF-8), then
/// re-encodes the decoded values and requires the input to be exactly that standard encoding,
/// which refuses trailing bytes, gaps and unusual offsets that a contract might read differently.
///
/// **Selector policy.** The first 4 bytes of the data choose the function the contract runs.
/// `message_type` declares the argument types and names the operation, but it need not be the
/// function's real name: the mission's own example, `add_weight(address _addr, uint256 _weight)`,
/// carries data that starts with 0xd7136328 while that signature hashes to 0x1c41742f (contracts
/// behind proxies, renamed or obfuscated functions do the same). So by default
/// (`.allowMismatch`) a mismatch is accepted: the arguments are still decoded and checked
/// against the declared types, and `DecodedCall.selectorMatches` reports it so that callers can
/// log it. Operators who want the declaration to be exact choose `.reject`, which refuses the
/// call with both selectors in the message. Data shorter than 4 bytes has no selector and is
/// refused under either policy.
///
/// ```swift
/// let signature = try FunctionSignature(parsing: "add_weight(address _addr, uint256 _weight)")
/// let call = try CalldataValidator().validate(data: bytes, against: signature)
/// call.arguments  // [.address(0x5eb7…), .uint(250, bits: 256)]
/// ```
public struct CalldataValidator: Sendable {
    /// What to do when the data's selector is not the declared signature's.
    public enum SelectorPolicy: String, Hashable, Sendable, CaseIterable {
        /// Refuse the call: it would run a different function than declared.
        case reject
        /// Accept it (the default) and decode the arguments against the declared types anyway.
        case allowMismatch
    }

    public var selectorPolicy: SelectorPolicy

    public init(selectorPolicy: SelectorPolicy = .allowMismatch) {
        self.selectorPolicy = selectorPolicy
    }

    public func validate(calldata: Calldata, against signature: FunctionSignature) throws(CalldataError) -> DecodedCall {
        try validate(data: calldata.bytes, against: signature)
    }

    public func validate(data: [UInt8], against signature: FunctionSignature) throws(CalldataError) -> DecodedCall {
        guard data.count >= 4 else {
            throw CalldataError(code: .missingSelector, location: nil, reason: "data is \(data.count) bytes long; a call needs at least the 4-byte function selector (\(signature.selectorHex) for \(signature.canonical))")
        }
        let selector = Array(data.prefix(4))
        let matches = selector == signature.selector
        if !matches && selectorPolicy == .reject {
            throw CalldataError(code: .selectorMismatch, location: nil, reason: "data starts with selector \(Hex.encode(selector)), but message_type \(signature.canonical) has selector \(signature.selectorHex): the call would run a different function than declared")
        }
        let arguments = Array(data.dropFirst(4))
        var decoder = CalldataDecoder(parameters: signature.parameters, data: arguments)
        let values = try decoder.decodeArguments()
        try CanonicalEncodingCheck.verify(arguments, decodesTo: values, parameters: signature.parameters)
        return DecodedCall(signature: signature, selector: selector, arguments: values)
    }
}

/// Calldata that passed validation, with its decoded arguments.
public struct DecodedCall: Hashable, Sendable {
    public let signature: FunctionSignature
    /// The first 4 bytes of the data; differs from `signature.selector` only under `.allowMismatch`.
    public let selector: [UInt8]
    /// One value per parameter, in order.
    public let arguments: [ABIValue]

    public var selectorMatches: Bool { selector == signature.selector }
}
