import EVMPrimitives

/// The first four bytes of calldata, which choose the contract function: what operators search
/// by when they know the function but not the request.
public struct FunctionSelector: Hashable, Sendable, CustomStringConvertible {
    public let bytes: [UInt8]

    /// The selector of `calldata`; nil when it is shorter than four bytes.
    public init?(calldata: [UInt8]) {
        guard calldata.count >= 4 else { return nil }
        bytes = Array(calldata.prefix(4))
    }

    /// "0x" and 8 hex digits (either case), or the 8 digits alone; nil for anything else.
    public init?(_ text: some StringProtocol) {
        var digits = Substring(text)
        if digits.hasPrefix("0x") || digits.hasPrefix("0X") { digits = digits.dropFirst(2) }
        guard digits.count == 8, let bytes = try? Hex.decode("0x" + digits), bytes.count == 4 else { return nil }
        self.bytes = bytes
    }

    /// "0x" and 8 lowercase hex digits, as stored.
    public var description: String { Hex.encode(bytes) }
}
