import BigInt
import EVMPrimitives

/// A decoded ABI value. Arrays of both kinds (`T[]` and `T[k]`) decode to `.array`.
public indirect enum ABIValue: Hashable, Sendable {
    case address(Address)
    case bool(Bool)
    /// An unsigned integer and the bit width of its type.
    case uint(BigUInt, bits: Int)
    /// A signed integer and the bit width of its type.
    case int(BigInt, bits: Int)
    /// The N bytes of a `bytesN`.
    case fixedBytes([UInt8])
    case bytes([UInt8])
    case string(String)
    case array([ABIValue])
    case tuple([ABIValue])
}
