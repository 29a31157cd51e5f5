import EVMPrimitives

/// Which 4-byte selector a message type's calldata must start with. The selector chooses the
/// function the contract runs, so a caller must never choose it: without a rule, an
/// `add_weight(address,uint256)` request could carry the selector of `approve(address,uint256)`
/// and be signed with our key (Solidity ignores trailing calldata, so any function whose
/// arguments decode would be open).
///
/// - `.declared` (the default): the selector of the declared signature, keccak of its
///   canonical form.
/// - `.pinned`: one fixed selector, for a contract whose real function is not keccak of the
///   declared signature (the mission's `add_weight` is called with 0xd7136328, while
///   `add_weight(address,uint256)` hashes to 0x1c41742f: a renamed or proxied function).
public enum SelectorRule: Hashable, Sendable, CustomStringConvertible {
    case declared
    case pinned(Selector)

    /// The selector data must start with to call `signature` under this rule.
    public func required(for signature: FunctionSignature) -> Selector {
        switch self {
        case .declared: Selector(unchecked: signature.selector)
        case .pinned(let selector): selector
        }
    }

    public var description: String {
        switch self {
        case .declared: "the declared signature's selector"
        case .pinned(let selector): "the pinned selector \(selector)"
        }
    }
}

/// The first 4 bytes of calldata, which pick the function a contract runs.
public struct Selector: Hashable, Sendable, CustomStringConvertible {
    public let bytes: [UInt8]

    /// Exactly 4 bytes; nil otherwise.
    public init?(_ bytes: [UInt8]) {
        guard bytes.count == 4 else { return nil }
        self.bytes = bytes
    }

    /// For 4 bytes known to be a selector (a Keccak prefix).
    init(unchecked bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// Parses `0x` and 8 hex digits.
    public init(hex text: some StringProtocol) throws(SelectorParseError) {
        let bytes: [UInt8]
        do {
            bytes = try Hex.decode(text)
        } catch {
            throw SelectorParseError(reason: "\"\(text)\" is not 0x-prefixed hex: \(error)")
        }
        guard let selector = Selector(bytes) else {
            throw SelectorParseError(reason: "\"\(text)\" is \(bytes.count) bytes; a selector is exactly 4 (0x and 8 hex digits)")
        }
        self = selector
    }

    /// `0x` and 8 lowercase hex digits.
    public var description: String { Hex.encode(bytes) }
}

public struct SelectorParseError: Error, Hashable, Sendable, CustomStringConvertible {
    public let reason: String
    public var description: String { reason }
}
