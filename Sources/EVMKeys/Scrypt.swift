/// scrypt (RFC 7914).
///
/// Written here rather than taken from CryptoExtras because BoringSSL enforces RFC 7914's
/// "n < 2^(16·r)", which refuses r = 1 with n ≥ 65536: the spec's own scrypt test vector
/// (n = 262144, r = 1, p = 8) and any keystore written with those parameters. The parameters
/// arrive bounded (`ScryptParameters`), so every buffer below is too.
enum Scrypt {
    static func deriveKey(
        password: [UInt8], salt: [UInt8], parameters: ScryptParameters, length: Int
    ) throws(KeyLoadError) -> [UInt8] {
        let (n, r, p) = (parameters.n, parameters.r, parameters.p)
        let blockWords = 32 * r  // one scrypt block is 128·r bytes
        let initial = try PBKDF2SHA256.deriveKey(password: password, salt: salt, iterations: 1, length: p * parameters.blockBytes)

        var words = [UInt32](repeating: 0, count: p * blockWords)
        for index in words.indices {
            let offset = index * 4
            words[index] = UInt32(initial[offset]) | UInt32(initial[offset + 1]) << 8
                | UInt32(initial[offset + 2]) << 16 | UInt32(initial[offset + 3]) << 24
        }

        var table = [UInt32](repeating: 0, count: n * blockWords)
        var scratch = [UInt32](repeating: 0, count: 2 * blockWords + 16)
        words.withUnsafeMutableBufferPointer { words in
            table.withUnsafeMutableBufferPointer { table in
                scratch.withUnsafeMutableBufferPointer { scratch in
                    // Never nil: every buffer holds at least one block.
                    guard let words = words.baseAddress, let table = table.baseAddress,
                        let scratch = scratch.baseAddress
                    else { return }
                    for block in 0..<p {
                        roMix(words + block * blockWords, r: r, n: n, table: table, scratch: scratch)
                    }
                }
            }
        }

        var mixed = [UInt8](repeating: 0, count: words.count * 4)
        for (index, word) in words.enumerated() {
            mixed[4 * index] = UInt8(truncatingIfNeeded: word)
            mixed[4 * index + 1] = UInt8(truncatingIfNeeded: word >> 8)
            mixed[4 * index + 2] = UInt8(truncatingIfNeeded: word >> 16)
            mixed[4 * index + 3] = UInt8(truncatingIfNeeded: word >> 24)
        }
        return try PBKDF2SHA256.deriveKey(password: password, salt: mixed, iterations: 1, length: length)
    }

    /// scryptROMix on one block `b` of 32·r words, in place. `table` holds n blocks, `scratch`
    /// two blocks and 16 words (the working block, BlockMix's output, Salsa's state).
    private static func roMix(
        _ b: UnsafeMutablePointer<UInt32>, r: Int, n: Int,
        table: UnsafeMutablePointer<UInt32>, scratch: UnsafeMutablePointer<UInt32>
    ) {
        let blockWords = 32 * r
        let x = scratch
        let y = scratch + blockWords
        let t = scratch + 2 * blockWords
        x.update(from: b, count: blockWords)
        for i in 0..<n {
            (table + i * blockWords).update(from: x, count: blockWords)
            blockMix(x, output: y, t: t, r: r)
            x.update(from: y, count: blockWords)
        }
        let mask = UInt32(truncatingIfNeeded: n - 1)  // n is a power of two no larger than 2^32
        for _ in 0..<n {
            // Integerify: the first word of the last 64-byte sub-block, modulo n.
            let j = Int(x[blockWords - 16] & mask)
            let v = table + j * blockWords
            for k in 0..<blockWords { x[k] ^= v[k] }
            blockMix(x, output: y, t: t, r: r)
            x.update(from: y, count: blockWords)
        }
        b.update(from: x, count: blockWords)
    }

    /// scryptBlockMix: Salsa20/8 chained over the 2·r sub-blocks of 16 words; the even-numbered
    /// results fill the first half of `output`, the odd-numbered ones the second half.
    private static func blockMix(
        _ input: UnsafeMutablePointer<UInt32>, output: UnsafeMutablePointer<UInt32>,
        t: UnsafeMutablePointer<UInt32>, r: Int
    ) {
        t.update(from: input + (2 * r - 1) * 16, count: 16)
        for i in 0..<(2 * r) {
            let sub = input + i * 16
            for k in 0..<16 { t[k] ^= sub[k] }
            salsa20_8(t)
            (output + (i / 2 + (i % 2) * r) * 16).update(from: t, count: 16)
        }
    }

    /// The Salsa20/8 core on 16 words, in place.
    private static func salsa20_8(_ b: UnsafeMutablePointer<UInt32>) {
        var x0 = b[0], x1 = b[1], x2 = b[2], x3 = b[3], x4 = b[4], x5 = b[5], x6 = b[6], x7 = b[7]
        var x8 = b[8], x9 = b[9], x10 = b[10], x11 = b[11], x12 = b[12], x13 = b[13], x14 = b[14], x15 = b[15]
        // Rotations are spelled out (v &<< k | v &>> (32 - k)) so debug builds need no calls.
        for _ in 0..<4 {
            // Columns.
            var v = x0 &+ x12; x4 ^= v &<< 7 | v &>> 25
            v = x4 &+ x0; x8 ^= v &<< 9 | v &>> 23
            v = x8 &+ x4; x12 ^= v &<< 13 | v &>> 19
            v = x12 &+ x8; x0 ^= v &<< 18 | v &>> 14
            v = x5 &+ x1; x9 ^= v &<< 7 | v &>> 25
            v = x9 &+ x5; x13 ^= v &<< 9 | v &>> 23
            v = x13 &+ x9; x1 ^= v &<< 13 | v &>> 19
            v = x1 &+ x13; x5 ^= v &<< 18 | v &>> 14
            v = x10 &+ x6; x14 ^= v &<< 7 | v &>> 25
            v = x14 &+ x10; x2 ^= v &<< 9 | v &>> 23
            v = x2 &+ x14; x6 ^= v &<< 13 | v &>> 19
            v = x6 &+ x2; x10 ^= v &<< 18 | v &>> 14
            v = x15 &+ x11; x3 ^= v &<< 7 | v &>> 25
            v = x3 &+ x15; x7 ^= v &<< 9 | v &>> 23
            v = x7 &+ x3; x11 ^= v &<< 13 | v &>> 19
            v = x11 &+ x7; x15 ^= v &<< 18 | v &>> 14
            // Rows.
            v = x0 &+ x3; x1 ^= v &<< 7 | v &>> 25
            v = x1 &+ x0; x2 ^= v &<< 9 | v &>> 23
            v = x2 &+ x1; x3 ^= v &<< 13 | v &>> 19
            v = x3 &+ x2; x0 ^= v &<< 18 | v &>> 14
            v = x5 &+ x4; x6 ^= v &<< 7 | v &>> 25
            v = x6 &+ x5; x7 ^= v &<< 9 | v &>> 23
            v = x7 &+ x6; x4 ^= v &<< 13 | v &>> 19
            v = x4 &+ x7; x5 ^= v &<< 18 | v &>> 14
            v = x10 &+ x9; x11 ^= v &<< 7 | v &>> 25
            v = x11 &+ x10; x8 ^= v &<< 9 | v &>> 23
            v = x8 &+ x11; x9 ^= v &<< 13 | v &>> 19
            v = x9 &+ x8; x10 ^= v &<< 18 | v &>> 14
            v = x15 &+ x14; x12 ^= v &<< 7 | v &>> 25
            v = x12 &+ x15; x13 ^= v &<< 9 | v &>> 23
            v = x13 &+ x12; x14 ^= v &<< 13 | v &>> 19
            v = x14 &+ x13; x15 ^= v &<< 18 | v &>> 14
        }
        b[0] &+= x0; b[1] &+= x1; b[2] &+= x2; b[3] &+= x3
        b[4] &+= x4; b[5] &+= x5; b[6] &+= x6; b[7] &+= x7
        b[8] &+= x8; b[9] &+= x9; b[10] &+= x10; b[11] &+= x11
        b[12] &+= x12; b[13] &+= x13; b[14] &+= x14; b[15] &+= x15
    }
}
