/// The 32-byte Keccak-256 hash identifying a transaction (of its signed raw bytes).
public struct TxHash: Hashable, Sendable, Codable, CustomStringConvertible {
    /// The 32 hash bytes.
    public let bytes: [UInt8]

    /// A hash from exactly 32 bytes.
    public init(bytes: some Collection<UInt8>) throws(HashLengthError) {
        guard bytes.count == 32 else { throw HashLengthError(actual: bytes.count) }
        self.bytes = Array(bytes)
    }

    /// Parses "0x" + 64 hex digits; throws `HexError` or `HashLengthError`.
    public init(_ hex: some StringProtocol) throws {
        try self.init(bytes: Hex.decode(hex))
    }

    /// "0x" + 64 lowercase hex digits.
    public var description: String { Hex.encode(bytes) }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        do {
            try self.init(text)
        } catch {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "transaction hash: \(error)")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

/// A transaction hash that is not 32 bytes long.
public struct HashLengthError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The number of bytes given.
    public let actual: Int

    public var description: String {
        "a transaction hash is 32 bytes (\"0x\" + 64 hex digits); got \(actual) bytes"
    }
}
