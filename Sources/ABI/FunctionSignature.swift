import EVMPrimitives

/// A parsed Solidity function signature such as `add_weight(address _addr, uint256 _weight)`.
///
/// Parsing accepts what people paste from Solidity source: parameter names, spaces, data locations
/// (`memory`, `calldata`, `storage`), `address payable`, the aliases `uint`/`int`, and tuples written
/// either `(T1,T2)` or `tuple(T1,T2)`. It rejects fixed-point and function types, unknown names
/// (contract, enum and struct names must be given as their ABI types), and anything else.
///
/// ```swift
/// let signature = try FunctionSignature(parsing: "add_weight(address _addr, uint _weight)")
/// signature.canonical  // "add_weight(address,uint256)"
/// signature.selector   // [0xd7, 0x13, 0x63, 0x28]
/// ```
public struct FunctionSignature: Hashable, Sendable, CustomStringConvertible {
    public let name: String
    public let parameters: [Parameter]
    /// The form hashed into the selector: `name(type1,type2)`, no names, no spaces.
    public let canonical: String
    /// First 4 bytes of Keccak-256 of `canonical`.
    public let selector: [UInt8]

    public init(parsing text: some StringProtocol) throws(SignatureError) {
        var parser = SignatureParser(text)
        let (name, parameters) = try parser.parseSignature()
        self.init(name: name, parameters: parameters)
    }

    /// Builds a signature from parts already validated, e.g. by the parser.
    init(name: String, parameters: [Parameter]) {
        self.name = name
        self.parameters = parameters
        canonical = name + ABIType.tuple(parameters).canonical
        selector = Array(Keccak256.hash(Array(canonical.utf8)).prefix(4))
    }

    public var description: String { canonical }

    /// The selector as `0x`-prefixed hex, for messages and logs.
    public var selectorHex: String { Hex.encode(selector) }
}
