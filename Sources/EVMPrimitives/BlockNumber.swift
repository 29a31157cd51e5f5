/// The height of a block.
public struct BlockNumber: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    public let value: UInt64

    public init(_ value: UInt64) { self.value = value }

    public init(from decoder: any Decoder) throws {
        value = try QuantityCoding.decodeUInt64(from: decoder, typeName: "BlockNumber")
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(Quantity.encode(value))
    }

    public static func < (lhs: BlockNumber, rhs: BlockNumber) -> Bool { lhs.value < rhs.value }

    /// How many blocks deep a block at `self` is under `head` (1 when it is the head itself);
    /// 0 when it is above the head.
    public func depth(under head: BlockNumber) -> UInt64 {
        head.value >= value ? head.value - value + 1 : 0
    }

    public var description: String { String(value) }
}

/// The Keccak-256 hash identifying a block.
public struct BlockHash: Hashable, Sendable, Codable, CustomStringConvertible {
    /// Exactly 32 bytes.
    public let bytes: [UInt8]

    /// Exactly 32 bytes; nil otherwise.
    public init?(bytes: [UInt8]) {
        guard bytes.count == 32 else { return nil }
        self.bytes = bytes
    }

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
