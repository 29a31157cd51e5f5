/// The data field of a transaction: ABI-encoded call input, or contract creation code.
public struct Calldata: Hashable, Sendable, Codable, CustomStringConvertible {
    /// The raw bytes; empty for a plain value transfer.
    public let bytes: [UInt8]

    /// No data, as in a plain value transfer.
    public static let empty = Calldata([])

    public init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// Parses "0x"-prefixed hex; "0x" alone is empty calldata.
    public init(hex: some StringProtocol) throws(HexError) {
        bytes = try Hex.decode(hex)
    }

    /// "0x" + lowercase hex.
    public var description: String { Hex.encode(bytes) }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        do throws(HexError) {
            try self.init(hex: text)
        } catch {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "calldata: \(error)")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
