import BigInt

/// Conversions between 32-byte big-endian ABI words and integers.
enum Word {
    static let size = 32

    /// The integer held in `bytes[start..<start+32]`, read as unsigned big-endian.
    static func unsigned(_ bytes: [UInt8], at start: Int) -> BigUInt {
        var words: [BigUInt.Word] = []
        words.reserveCapacity(size / MemoryLayout<BigUInt.Word>.size)
        var end = start + size
        while end > start {
            var word: BigUInt.Word = 0
            for byte in bytes[(end - MemoryLayout<BigUInt.Word>.size)..<end] {
                word = word << 8 | BigUInt.Word(byte)
            }
            words.append(word)
            end -= MemoryLayout<BigUInt.Word>.size
        }
        return BigUInt(words: words)
    }

    /// The integer in the word as `Int`, or nil if it does not fit.
    static func smallInteger(_ bytes: [UInt8], at start: Int) -> Int? {
        let valueBytes = MemoryLayout<Int>.size
        guard bytes[start..<(start + size - valueBytes)].allSatisfy({ $0 == 0 }) else { return nil }
        var value: UInt64 = 0
        for byte in bytes[(start + size - valueBytes)..<(start + size)] { value = value << 8 | UInt64(byte) }
        return value <= UInt64(Int.max) ? Int(value) : nil
    }

    /// `value` as 32 big-endian bytes; `value` must be below 2^256.
    static func encode(_ value: BigUInt) -> [UInt8] {
        var result = [UInt8](repeating: 0, count: size)
        var index = size - 1
        for word in value.words {
            var remaining = word
            for _ in 0..<MemoryLayout<BigUInt.Word>.size where index >= 0 {
                result[index] = UInt8(truncatingIfNeeded: remaining)
                remaining >>= 8
                index -= 1
            }
        }
        return result
    }

    static func encode(_ value: Int) -> [UInt8] {
        encode(BigUInt(value))
    }

    /// Two's complement over 256 bits, which is also the sign extension of any narrower intN.
    static func encode(_ value: BigInt) -> [UInt8] {
        value.sign == .minus && !value.magnitude.isZero
            ? encode((BigUInt(1) << 256) - value.magnitude)
            : encode(value.magnitude)
    }

    /// The signed integer in the word, reading it as 256-bit two's complement.
    static func signed(_ bytes: [UInt8], at start: Int) -> BigInt {
        let raw = unsigned(bytes, at: start)
        guard bytes[start] & 0x80 != 0 else { return BigInt(sign: .plus, magnitude: raw) }
        return BigInt(sign: .minus, magnitude: (BigUInt(1) << 256) - raw)
    }
}
