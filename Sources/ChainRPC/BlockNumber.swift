import EVMPrimitives

/// The height of a block.
public struct BlockNumber: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    public let value: UInt64

    public init(_ value: UInt64) { self.value = value }

    public init(from decoder: any Decoder) throws {
        value = try UInt64Quantity.decode(from: decoder)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(Quantity.encode(value))
    }

    public static func < (lhs: BlockNumber, rhs: BlockNumber) -> Bool { lhs.value < rhs.value }

    public var description: String { String(value) }
}

/// The Keccak-256 hash identifying a block.
public struct BlockHash: Hashable, Sendable, Codable, CustomStringConvertible {
    /// Exactly 32 bytes.
    public let bytes: [UInt8]

    /// Parses "0x" followed by 64 hex digits.
    public init(_ hex: some StringProtocol) throws(BlockHashError) {
        guard let bytes = try? Hex.decode(hex), bytes.count == 32 else {
            throw BlockHashError(text: String(hex.prefix(80)))
        }
        self.bytes = bytes
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        do {
            try self.init(text)
        } catch {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.description)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }

    public var description: String { Hex.encode(bytes) }
}

/// A block hash that is not 0x followed by 64 hex digits.
public struct BlockHashError: Error, CustomStringConvertible, Equatable, Sendable {
    public let text: String
    public var description: String { "block hash \"\(text)\" is not 0x followed by 64 hex digits" }
}
