import EVMPrimitives

/// Checks that calldata is a well-formed, canonical call of a declared function signature.
///
/// Validation decodes every argument strictly (integer ranges, address and bool words, sign
/// extension, zero padding, in-bounds 32-aligned offsets, lengths that fit, valid UTF-8), then
/// re-encodes the decoded values and requires the input to be exactly that standard encoding,
/// which refuses trailing bytes, gaps and unusual offsets that a contract might read differently.
///
/// **Selector.** The first 4 bytes of the data choose the function the contract runs, so they
/// must be the one selector the message type's ``SelectorRule`` allows: the declared
/// signature's by default, or the one pinned in configuration. Data shorter than 4 bytes has no
/// selector and is refused.
///
/// ```swift
/// let signature = try FunctionSignature(parsing: "add_weight(address _addr, uint256 _weight)")
/// let call = try CalldataValidator().validate(data: bytes, against: signature)
/// call.arguments  // [.address(0x5eb7…), .uint(250, bits: 256)]
/// ```
public struct CalldataValidator: Sendable {
    public var selectorRule: SelectorRule

    public init(selectorRule: SelectorRule = .declared) {
        self.selectorRule = selectorRule
    }

    public func validate(calldata: Calldata, against signature: FunctionSignature) throws(CalldataError) -> DecodedCall {
        try validate(data: calldata.bytes, against: signature)
    }

    public func validate(data: [UInt8], against signature: FunctionSignature) throws(CalldataError) -> DecodedCall {
        guard data.count >= 4 else {
            throw CalldataError(code: .missingSelector, location: nil, reason: "data is \(data.count) bytes long; a call needs at least the 4-byte function selector (\(signature.selectorHex) for \(signature.canonical))")
        }
        let selector = Array(data.prefix(4))
        let required = selectorRule.required(for: signature)
        guard selector == required.bytes else {
            let rule = switch selectorRule {
            case .declared: "message_type \(signature.canonical) has selector \(required)"
            case .pinned: "message type \(signature.canonical) is pinned to selector \(required)"
            }
            throw CalldataError(code: .selectorMismatch, location: nil, reason: "data starts with selector \(Hex.encode(selector)), but \(rule): the call would run a different function than configured")
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
    /// The first 4 bytes of the data: the signature's selector, or the pinned one.
    public let selector: [UInt8]
    /// One value per parameter, in order.
    public let arguments: [ABIValue]

    /// Whether the selector is the declared signature's (false for a pinned one that differs).
    public var selectorMatches: Bool { selector == signature.selector }
}
