import BigInt

/// A Recursive Length Prefix value: a byte string or a list of items (Ethereum Yellow Paper, appendix B).
public indirect enum RLPItem: Hashable, Sendable {
    case bytes([UInt8])
    case list([RLPItem])

    /// An unsigned integer as its minimal big-endian bytes; zero is the empty string.
    public static func uint(_ value: UInt64) -> RLPItem {
        let byteCount = (64 - value.leadingZeroBitCount + 7) / 8
        return .bytes((0..<byteCount).reversed().map { UInt8(truncatingIfNeeded: value >> (8 * $0)) })
    }

    /// An unsigned integer as its minimal big-endian bytes; zero is the empty string.
    public static func uint(_ value: BigUInt) -> RLPItem {
        // BigUInt.serialize() is already minimal: no leading zero bytes, and empty for zero.
        .bytes(Array(value.serialize()))
    }

    /// The payload as a byte string; throws if the item is a list.
    public func asBytes() throws(RLPError) -> [UInt8] {
        guard case .bytes(let bytes) = self else {
            throw RLPError(.expectedBytes, "expected an RLP byte string but found a list")
        }
        return bytes
    }

    /// The items of a list; throws if the item is a byte string.
    public func asList() throws(RLPError) -> [RLPItem] {
        guard case .list(let items) = self else {
            throw RLPError(.expectedList, "expected an RLP list but found a byte string")
        }
        return items
    }

    /// The byte string read as a canonical unsigned integer of at most 8 bytes.
    public func asUInt64() throws(RLPError) -> UInt64 {
        let bytes = try canonicalIntegerBytes()
        guard bytes.count <= 8 else {
            throw RLPError(.integerOverflow, "RLP integer of \(bytes.count) bytes does not fit in 64 bits")
        }
        return bytes.reduce(0) { $0 << 8 | UInt64($1) }
    }

    /// The byte string read as a canonical unsigned integer of at most 32 bytes.
    public func asBigUInt() throws(RLPError) -> BigUInt {
        let bytes = try canonicalIntegerBytes()
        guard bytes.count <= 32 else {
            throw RLPError(.integerOverflow, "RLP integer of \(bytes.count) bytes does not fit in 256 bits")
        }
        return bytes.withUnsafeBytes { BigUInt($0) }
    }

    private func canonicalIntegerBytes() throws(RLPError) -> [UInt8] {
        let bytes = try asBytes()
        guard bytes.first != 0 else {
            throw RLPError(.integerWithLeadingZero, "RLP integer has a leading zero byte; integers are minimal big-endian, zero is the empty string")
        }
        return bytes
    }
}
