import ABI
import EVMPrimitives

/// Bytes from hex pieces, each a selector or a 32-byte word written without its leading zeros.
///
/// `calldata("d7136328", word("fa"))`: pieces of 8 hex digits (selectors) or 64 digits pass as is.
func calldata(_ pieces: String...) -> [UInt8] {
    bytes(pieces)
}

func bytes(_ pieces: [String]) -> [UInt8] {
    pieces.flatMap { piece -> [UInt8] in
        do { return try Hex.decode(piece, requirePrefix: false) } catch { fatalError("bad test hex \(piece)") }
    }
}

/// A 32-byte word, left-padded with zeros.
func word(_ hex: String) -> String {
    String(repeating: "0", count: 64 - hex.count) + hex
}

/// A 32-byte word, right-padded with zeros (for bytesN, bytes and string content).
func rightWord(_ hex: String) -> String {
    hex + String(repeating: "0", count: 64 - hex.count)
}

/// Deterministic generator, so a failing fuzz case can be reproduced from its seed.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// The selector of `signature` followed by the given hex words.
func calldata(_ signature: FunctionSignature, _ words: String...) -> [UInt8] {
    signature.selector + bytes(words)
}
