/// A Solidity ABI type, as it appears in a function signature.
///
/// Tuples keep their component names (when the signature gave them) so that error messages can name
/// the offending member; names never affect the canonical form or the encoding.
public indirect enum ABIType: Hashable, Sendable, CustomStringConvertible {
    /// `uintN`, N in 8...256, a multiple of 8.
    case uint(bits: Int)
    /// `intN`, N in 8...256, a multiple of 8; two's complement.
    case int(bits: Int)
    case address
    case bool
    /// `bytesN`, N in 1...32.
    case fixedBytes(count: Int)
    case bytes
    case string
    /// `T[]`.
    case array(of: ABIType)
    /// `T[k]`, k >= 1.
    case fixedArray(of: ABIType, count: Int)
    /// `(T1,T2,...)`, at least one component.
    case tuple([Parameter])

    /// The canonical spelling used in selectors: `uint256`, `(address,bytes)[]`.
    public var canonical: String {
        switch self {
        case .uint(let bits): "uint\(bits)"
        case .int(let bits): "int\(bits)"
        case .address: "address"
        case .bool: "bool"
        case .fixedBytes(let count): "bytes\(count)"
        case .bytes: "bytes"
        case .string: "string"
        case .array(let element): element.canonical + "[]"
        case .fixedArray(let element, let count): element.canonical + "[\(count)]"
        case .tuple(let components): "(" + components.map(\.type.canonical).joined(separator: ",") + ")"
        }
    }

    /// A short spelling for messages, with `tuple` standing for a tuple's components: `tuple[]`.
    public var displayName: String {
        switch self {
        case .array(let element): element.displayName + "[]"
        case .fixedArray(let element, let count): element.displayName + "[\(count)]"
        case .tuple: "tuple"
        default: canonical
        }
    }

    public var description: String { canonical }

    /// Whether the encoding lives in the tail, reached through an offset in the head.
    public var isDynamic: Bool {
        switch self {
        case .bytes, .string, .array: true
        case .fixedArray(let element, _): element.isDynamic
        case .tuple(let components): components.contains { $0.type.isDynamic }
        default: false
        }
    }

    /// Levels of arrays and tuples around the innermost elementary type.
    var nestingDepth: Int {
        switch self {
        case .array(let element), .fixedArray(let element, _): 1 + element.nestingDepth
        case .tuple(let components): 1 + (components.map(\.type.nestingDepth).max() ?? 0)
        default: 0
        }
    }

    /// Bytes this type takes in the head of its enclosing tuple: 32 for dynamic types (the offset),
    /// the whole in-place encoding for static ones. Always at least 32, because empty tuples and
    /// zero-length arrays are rejected when parsing; the decoder's element-count guard relies on it.
    var headSize: Int {
        switch self {
        case .fixedArray(let element, let count) where !isDynamic: element.headSize * count
        case .tuple(let components) where !isDynamic: components.reduce(0) { $0 + $1.type.headSize }
        default: 32
        }
    }
}

/// A function parameter or tuple component: a type and, when the signature gave one, a name.
public struct Parameter: Hashable, Sendable {
    public let name: String?
    public let type: ABIType

    public init(name: String?, type: ABIType) {
        self.name = name
        self.type = type
    }
}
