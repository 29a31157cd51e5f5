/// scrypt's cost parameters, checked so that every buffer the derivation allocates and the
/// time it takes are bounded before any work starts.
///
/// scrypt allocates the table of n blocks (128·n·r bytes), three buffers of p blocks (PBKDF2's
/// output, the words being mixed, their bytes again: 3·128·r·p bytes) and two scratch blocks;
/// its work is n·r·p Salsa20/8 rounds of BlockMix. Real keystores use n = 2^18 with r = 8, p = 1
/// (geth) or r = 1, p = 8 (eth-account); the bounds below leave room for twice that memory and
/// work, and refuse the rest at once with the parameter and the bound.
struct ScryptParameters: Equatable, Sendable {
    let n: Int
    let r: Int
    let p: Int

    /// The table, 128·n·r bytes, at most 512 MiB (geth's standard keystore needs 256 MiB).
    static let maximumTableBytes = 1 << 29
    /// n must also be a power of two; 2^22 blocks of r = 1 fill the largest table.
    static let nBounds = 2...(maximumTableBytes / 128)
    static let rBounds = 1...32
    static let pBounds = 1...64
    /// n·r·p, at most 2^22 (geth's and eth-account's standard keystores need 2^21).
    static let maximumWork = 1 << 22

    /// One parameter, or a combination, outside the bounds; names what to blame.
    struct Violation: Error, Equatable {
        /// The parameters involved, in the order n, r, p.
        let parameters: [String]
        /// "must be between 1 and 32, found 4194304".
        let rule: String
    }

    init(n: Int, r: Int, p: Int) throws(Violation) {
        // Each alone first, so the products below cannot overflow.
        guard Self.nBounds.contains(n), n & (n - 1) == 0 else {
            throw Violation(
                parameters: ["n"],
                rule: "must be a power of two between 2 and 2^\(Self.nBounds.upperBound.trailingZeroBitCount), found \(n)"
            )
        }
        guard Self.rBounds.contains(r) else {
            throw Violation(parameters: ["r"], rule: "must be between 1 and \(Self.rBounds.upperBound), found \(r)")
        }
        guard Self.pBounds.contains(p) else {
            throw Violation(parameters: ["p"], rule: "must be between 1 and \(Self.pBounds.upperBound), found \(p)")
        }
        guard 128 * n * r <= Self.maximumTableBytes else {
            throw Violation(
                parameters: ["n", "r"],
                rule: "ask scrypt for \(Self.mebibytes(128 * n * r)) MiB of memory (128·n·r bytes with n=\(n), r=\(r)); at most \(Self.mebibytes(Self.maximumTableBytes)) MiB"
            )
        }
        guard n * r * p <= Self.maximumWork else {
            throw Violation(
                parameters: ["n", "r", "p"],
                rule: "ask scrypt for too much work (n·r·p = \(n * r * p) with n=\(n), r=\(r), p=\(p)); at most 2^\(Self.maximumWork.trailingZeroBitCount)"
            )
        }
        self.n = n
        self.r = r
        self.p = p
    }

    /// One scrypt block: 128·r bytes, 32·r words.
    var blockBytes: Int { 128 * r }

    /// Every buffer the derivation holds at once, in bytes (at most 512 MiB and 776 KiB).
    var memoryBytes: Int { blockBytes * (n + 3 * p + 2) + 64 }

    private static func mebibytes(_ bytes: Int) -> Int { bytes >> 20 }
}
